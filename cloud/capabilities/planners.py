"""The planners, derived from the capability table: the rules alone, or a language model.

The rule planner tries each capability's rule in the table's order, and ends with an honest
"can't" (``cloud.planning.cant``). The language-model planner first tries the rules that must
never be guessed (missions, the weather), then offers the model every capability's tool and
turns its call into that capability's action; anything going wrong with the model (timeout,
HTTP error, nonsense) falls back to the rule planner, and the log says so.
"""

from __future__ import annotations

import aiohttp
import structlog

from cloud.capabilities.answer import Answer
from cloud.capabilities.capability import Asked, Registry
from cloud.capabilities.registry import REGISTRY
from cloud.errors import PlannerError
from cloud.missions.plans import DEFAULT_PRIVACY_DISTANCE_KM
from cloud.planning import cant, language_model
from cloud.planning.language_model import LlmConfig, ModelReply
from cloud.planning.planner import Action, PlanContext, Planner
from cloud.time_phrases import normalize
from models import Utterance

log = structlog.get_logger(__name__)


def _asked(utterance: Utterance, context: PlanContext, privacy_distance_km: float) -> Asked:
    return Asked(
        said=utterance.text,
        text=normalize(utterance.text),
        context=context,
        privacy_distance_km=privacy_distance_km,
    )


class RulePlanner:
    """Every capability's rule, in the table's order, and an honest answer for the rest."""

    def __init__(
        self,
        *,
        privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM,
        registry: Registry = REGISTRY,
    ) -> None:
        self.privacy_distance_km = privacy_distance_km
        """Privacy actions on a device farther than this from the asker need a spoken yes."""
        self._rules = registry.rules

    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        asked = _asked(utterance, context, self.privacy_distance_km)
        for rule in self._rules:
            action = rule(asked)
            if action is not None:
                return action
        # One short sentence and one related offer: the full list only for "what can you do".
        return Answer(cant.unknown_reply(asked.text, utterance.words_doubted), unknown=True)


class LlmPlanner:
    """A Planner that asks a language model which capability's tool to use."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: LlmConfig,
        *,
        fallback: Planner,
        privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM,
        registry: Registry = REGISTRY,
    ) -> None:
        self._session = session
        self._config = config
        self._fallback = fallback
        self._privacy_distance_km = privacy_distance_km
        self._registry = registry

    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        asked = _asked(utterance, context, self._privacy_distance_km)
        for rule in self._registry.ruled_first:
            action = rule(asked)
            if action is not None:
                return action
        try:
            reply = await language_model.ask(
                self._session,
                self._config,
                context=context,
                text=utterance.text,
                tools=self._registry.tool_schemas,
            )
            return to_action(reply, context, self._registry)
        except (PlannerError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("language model failed; using the rules", error=str(error))
            return await self._fallback.plan(utterance, context)


def to_action(reply: ModelReply, context: PlanContext, registry: Registry = REGISTRY) -> Action:
    """The model's plain text as an answer, or its tool call as that capability's action;
    PlannerError for a call no capability can use."""
    if isinstance(reply, str):
        return Answer(reply)
    tool = registry.tool(reply.name)
    action = tool.to_action(reply.values, context) if tool is not None else None
    if action is None:
        raise PlannerError(f"unusable tool call {reply.name}({reply.arguments})")
    return action

"""An optional planner backed by an OpenAI-compatible chat-completions endpoint.

Off unless ``JARVIS_LLM_URL`` is set (the API base, e.g. ``https://host/v1``; ``JARVIS_LLM_MODEL``
and ``JARVIS_LLM_API_KEY`` go with it). The model may only call the same skills as the rules:
``set_reminder``, ``run_on_device`` and ``answer``. Times stay the rules' job: the model passes
the spoken phrase ("in 10 minutes") and ``time_phrases`` reads it. Anything going wrong with the
model (timeout, HTTP error, nonsense) falls back to the rule planner, and the log says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
import structlog

from cloud.errors import PlannerError
from cloud.missions.plans import DEFAULT_PRIVACY_DISTANCE_KM, plan_mission
from cloud.planning.planner import Action, Answer, PlanContext, Planner, RunOnDevice, SetReminder
from cloud.time_phrases import parse_when
from cloud.weather.plans import plan_weather
from jarvis.settings import Settings
from models import Utterance

log = structlog.get_logger(__name__)

DEFAULT_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class LlmConfig:
    url: str
    """The chat-completions URL."""
    model: str
    api_key: str | None
    timeout_s: float = DEFAULT_TIMEOUT_S


def config_from(settings: Settings) -> LlmConfig | None:
    """The planner's endpoint, or None when no ``llm_url`` is set (the rules alone plan)."""
    base = (settings.llm_url or "").strip()
    if not base:
        return None
    url = base if base.endswith("/chat/completions") else base.rstrip("/") + "/chat/completions"
    return LlmConfig(url=url, model=settings.llm_model, api_key=settings.llm_api_key or None)


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": sorted(properties),
                "additionalProperties": False,
            },
        },
    }


_STR = {"type": "string"}
TOOLS = [
    _tool(
        "set_reminder",
        "Remind the user later. `when` is a spoken time: 'in 10 minutes', 'at 6 pm', "
        "'tomorrow at 9'. `text` is what to remind of, addressed to the user ('call your sister').",
        {"text": _STR, "when": _STR},
    ),
    _tool(
        "run_on_device",
        "Run a spoken command on another of the user's devices, by its name.",
        {"device": _STR, "command": _STR},
    ),
    _tool(
        "answer",
        "Say something to the user. Never invent facts you do not know.",
        {"text": _STR},
    ),
]


class _Function(msgspec.Struct):
    name: str
    arguments: str


class _ToolCall(msgspec.Struct):
    function: _Function


class _Message(msgspec.Struct):
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(msgspec.Struct):
    message: _Message


class _Completion(msgspec.Struct):
    choices: list[_Choice]


class LlmPlanner:
    """A Planner that asks a language model which skill to use."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: LlmConfig,
        *,
        fallback: Planner,
        privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM,
    ) -> None:
        self._session = session
        self._config = config
        self._fallback = fallback
        self._privacy_distance_km = privacy_distance_km

    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        # Missions and the yes or no that confirms one are read by the rules, never guessed:
        # a privacy action must not depend on how a model read the sentence.
        mission = plan_mission(
            utterance.text, context.device_names, privacy_distance_km=self._privacy_distance_km
        )
        if mission is not None:
            return mission
        # The weather comes from the provider, never from what a model remembers.
        weather = plan_weather(utterance.text)
        if weather is not None:
            return weather
        try:
            return await self._ask(utterance, context)
        except (PlannerError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("language model failed; using the rules", error=str(error))
            return await self._fallback.plan(utterance, context)

    async def _ask(self, utterance: Utterance, context: PlanContext) -> Action:
        key = self._config.api_key
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        payload = {
            "model": self._config.model,
            "messages": [
                {"role": "system", "content": _system_prompt(context)},
                {"role": "user", "content": utterance.text},
            ],
            "tools": TOOLS,
            "tool_choice": "auto",
        }
        timeout = aiohttp.ClientTimeout(total=self._config.timeout_s)
        async with self._session.post(
            self._config.url, json=payload, headers=headers, timeout=timeout
        ) as response:
            if response.status != 200:
                raise PlannerError(f"the model endpoint answered HTTP {response.status}")
            raw = await response.read()
        try:
            completion = msgspec.json.decode(raw, type=_Completion)
        except msgspec.DecodeError as error:
            raise PlannerError(f"unreadable completion: {error}") from None
        if not completion.choices:
            raise PlannerError("the completion has no choices")
        return to_action(completion.choices[0].message, context)


def _system_prompt(context: PlanContext) -> str:
    devices = ", ".join(context.device_names) or "none"
    return (
        "You are Jarvis, a voice assistant. Pick exactly one tool. "
        f"The user's local time is {context.now.isoformat(timespec='minutes')}. "
        f"The user's devices: {devices}. Answer briefly; if you cannot do something, say so."
    )


def to_action(message: _Message, context: PlanContext) -> Action:
    """Map the model's first tool call (or its plain text) onto a skill."""
    if not message.tool_calls:
        if message.content:
            return Answer(message.content.strip())
        raise PlannerError("the model neither answered nor called a tool")
    call = message.tool_calls[0].function
    try:
        arguments = json.loads(call.arguments)
    except json.JSONDecodeError:
        raise PlannerError(f"{call.name}: arguments are not JSON") from None
    if not isinstance(arguments, dict):
        raise PlannerError(f"{call.name}: arguments are not an object")
    values = {key: value for key, value in arguments.items() if isinstance(value, str)}
    if call.name == "answer" and values.get("text"):
        return Answer(values["text"])
    if call.name == "run_on_device" and values.get("device") and values.get("command"):
        return RunOnDevice(device_name=values["device"], text=values["command"])
    if call.name == "set_reminder" and values.get("text") and values.get("when"):
        due_at = parse_when(values["when"], context.now)
        if due_at is None:
            raise PlannerError(f"set_reminder: cannot read the time {values['when']!r}")
        return SetReminder(text=values["text"], due_at=due_at)
    raise PlannerError(f"unusable tool call {call.name}({call.arguments})")

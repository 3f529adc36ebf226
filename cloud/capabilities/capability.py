"""What a cloud capability is, and the table that derives everything else from them.

A capability module (``answer``, ``set_reminder``, ``missions``…) builds one ``Capability``: the
action types it carries out, its rule (how the rule planner reads it from words), its
language-model tools (the schema offered to the model, and how a call becomes its action) and,
per action type, its ``carry_out`` and how ``jarvis cloud plan`` describes it. ``Registry`` checks
the table once (each action type carried out by exactly one capability, each tool name offered
once) and gives the planners, the dispatch and the plan view what they need, in table order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import asyncpg

from cloud.planning.language_model import tool_schema
from cloud.planning.planner import Action, PlanContext
from models import Utterance

A = TypeVar("A")


@dataclass(frozen=True, slots=True)
class Asked:
    """A request as a rule reads it."""

    said: str
    """The words as said: URLs, paths and a reminder's own words keep their case."""
    text: str
    """``time_phrases.normalize``d: lower case, number words as digits."""
    context: PlanContext
    privacy_distance_km: float
    """Privacy actions on a device farther than this from the asker need a spoken yes."""


Rule = Callable[[Asked], Action | None]
"""The action the words ask for, or None when they are not this capability's."""


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool the language model may call."""

    name: str
    description: str
    properties: Mapping[str, Mapping[str, Any]]
    """Each argument's JSON schema (all are required)."""
    to_action: Callable[[Mapping[str, str], PlanContext], Action | None]
    """The action for the call's string arguments; None when they lack what it needs (the
    planner then falls back to the rules); PlannerError for an argument it cannot read."""

    @property
    def schema(self) -> dict[str, Any]:
        return tool_schema(self.name, self.description, self.properties)


@dataclass(frozen=True, slots=True)
class Request:
    """The request an action answers, inside its transaction."""

    conn: asyncpg.Connection
    device_id: str
    """The asking device: replies go to its outbox."""
    utterance: Utterance
    trace_id: str
    message_id: str | None
    """The request envelope's id: it keys a mission the request starts."""


@dataclass(frozen=True, slots=True)
class View:
    """An action as ``jarvis cloud plan`` prints it (DESIGN's contract)."""

    action: str
    """``answer``, ``set_reminder``, ``run_on_device``, ``start_mission``…"""
    slots: Mapping[str, Any] = field(default_factory=dict)
    intent: str | None = None
    reply: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "intent": self.intent,
            "slots": dict(self.slots),
            "reply": self.reply,
        }


def _no_follow_up(action: Any) -> float | None:
    return None


@dataclass(frozen=True, slots=True)
class Handles(Generic[A]):
    """How one action type is carried out and described."""

    type: type[A]
    carry_out: Callable[[Request, A], Awaitable[str | None]]
    """What the asker hears now; None when nothing now (the result will be the reply, or it
    was queued already). Runs in the request's transaction; the reply is queued by the caller."""
    describe: Callable[[A], View]
    follow_up_at: Callable[[A], float | None] = _no_follow_up
    """When the reply's follow-up window opens (a reminder's due time), if it has one."""


@dataclass(frozen=True, slots=True)
class Capability:
    """One thing the cloud can do, whole."""

    name: str
    handles: tuple[Handles[Any], ...]
    rule: Rule | None = None
    tools: tuple[Tool, ...] = ()
    ruled_only: bool = False
    """Read by its rule only, before any language model is asked: a privacy action or the
    weather must not depend on how a model read the sentence."""


class Registry:
    """The capabilities in rule order, checked once, and what each consumer derives from them."""

    def __init__(self, capabilities: Sequence[Capability]) -> None:
        self.capabilities = tuple(capabilities)
        self._by_type: dict[type, Handles[Any]] = {}
        self._tools: dict[str, Tool] = {}
        names = [capability.name for capability in self.capabilities]
        if len(set(names)) != len(names):
            raise ValueError(f"capability names repeat: {names}")
        for capability in self.capabilities:
            for handles in capability.handles:
                if handles.type in self._by_type:
                    raise ValueError(f"{handles.type.__name__} is carried out twice")
                self._by_type[handles.type] = handles
            for tool in capability.tools:
                if tool.name in self._tools:
                    raise ValueError(f"the tool {tool.name} is offered twice")
                self._tools[tool.name] = tool
        self.rules: tuple[Rule, ...] = tuple(
            capability.rule for capability in self.capabilities if capability.rule is not None
        )
        """Every rule, in the order the rule planner tries them."""
        self.ruled_first: tuple[Rule, ...] = tuple(
            capability.rule
            for capability in self.capabilities
            if capability.rule is not None and capability.ruled_only
        )
        """The rules a language-model planner tries before asking the model."""
        self.tool_schemas: tuple[dict[str, Any], ...] = tuple(
            tool.schema for tool in self._tools.values()
        )

    def tool(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def handles(self, action: Action) -> Handles[Any]:
        """Who carries ``action`` out; LookupError for a type no capability registered."""
        try:
            return self._by_type[type(action)]
        except KeyError:
            raise LookupError(f"no capability carries out {type(action).__name__}") from None

    @property
    def action_types(self) -> tuple[type, ...]:
        return tuple(self._by_type)

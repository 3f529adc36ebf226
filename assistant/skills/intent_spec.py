"""How a skill module declares the intents it runs: a tuple of :class:`IntentSpec`, one per
intent, next to the code that runs it.

The façade (:class:`assistant.skills.Skills`) collects every module's tuple into one table;
dispatch, ``Skills.HANDLED``, the hello's capabilities and the tests' catalogue all read that
table, so an intent is declared once, where its handler is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

S = TypeVar("S")
"""The skill object a handler runs on (``None`` for skills that keep no state)."""


@dataclass(frozen=True, slots=True)
class Asked:
    """One intent to run: what it is, its slots, and the utterance it answers."""

    name: str
    slots: Mapping[str, object]
    utterance_id: str


Said = str | Awaitable[str]
"""A handler's reply sentence, at once or once awaited."""
Handler = Callable[[Asked], Said]
"""A handler bound to its skill object."""


@dataclass(frozen=True, slots=True)
class IntentSpec(Generic[S]):
    """An intent a skill runs: its catalogue name, the slots it may carry, and its handler."""

    name: str
    run: Callable[[S, Asked], Said]
    """Called with the skill object and the intent; returns (or awaits to) the reply."""
    slots: frozenset[str] = field(default_factory=frozenset)
    """Every slot the intent may carry (all optional to the handler: a missing one is a reply)."""


def spec(name: str, run: Callable[[S, Asked], Said], slots: Iterable[str] = ()) -> IntentSpec[S]:
    """An :class:`IntentSpec` with ``slots`` given as any iterable of names."""
    return IntentSpec(name, run, frozenset(slots))


def bind(specs: Iterable[IntentSpec[S]], skill: S) -> dict[str, Handler]:
    """Each spec's name → its handler, run on ``skill``."""
    return {each.name: _bound(each, skill) for each in specs}


def _bound(each: IntentSpec[S], skill: S) -> Handler:
    run = each.run
    return lambda asked: run(skill, asked)


async def said(reply: Said) -> str:
    """The reply sentence, awaited when the handler is asynchronous."""
    return reply if isinstance(reply, str) else await reply

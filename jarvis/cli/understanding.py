"""``jarvis interpret``'s answer: every tier of the edge's understanding, with no side effects."""

from __future__ import annotations

import functools
import time
from typing import Any

from assistant.skills import Skills
from assistant.understander import APP_INTENTS, Understander, load_model


@functools.cache
def _understander() -> Understander:
    """The edge's tiers; the learned one is loaded on first use (templates alone without it)."""
    handled = Skills.HANDLED | APP_INTENTS
    try:
        return Understander(handled, load_model())
    except (ImportError, OSError):
        return Understander(handled)


def interpretation(utterance: str, home: frozenset[str] | None = None) -> dict[str, Any]:
    """The contract object: intent, slots, handled_by, elapsed_ms, tier and confidence.

    The templates answer first; the model is loaded only when they do not know the text, and
    its load time is not counted in ``elapsed_ms``. ``home``: the words of the house's names,
    when a Home Assistant is configured (the edge then takes house commands).
    """
    started = time.perf_counter()
    understood = Understander(()).templates(utterance, home)
    if understood is None:
        understander = _understander()
        started = time.perf_counter()
        understood = understander.learned(utterance)
    elapsed_ms = (time.perf_counter() - started) * 1000
    intent = understood.intent
    return {
        "intent": intent.name if intent else None,
        "slots": dict(intent.slots) if intent else {},
        "handled_by": "edge" if intent else "cloud",
        "elapsed_ms": elapsed_ms,
        "tier": understood.tier,
        "confidence": understood.confidence,
    }

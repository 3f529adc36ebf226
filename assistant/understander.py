"""Understanding in tiers on the edge: the templates first (microseconds, exact slots), then the
learned model (a few milliseconds, in a worker thread) with per-intent slot extractors.

The model only ever returns intents this edge handles (``handled``); a missing required slot is
returned as a question to ask instead of a guess.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import structlog

from assistant.interpreter import interpret
from assistant.interpreter.extractors import Filled, fill
from assistant.interpreter.spoken import repair
from models import Intent
from models.intent_names import APP_INTENTS as APP_INTENTS  # where the edge has long found it

if TYPE_CHECKING:
    from understanding import Guess, IntentModel

log = structlog.get_logger(__name__)

Tier = Literal["template", "model", "taught", "spoken"]


@dataclass(frozen=True, slots=True)
class Understood:
    """What the edge made of one utterance."""

    intent: Intent | None
    """``None``: forward to the cloud."""
    tier: Tier | None = None
    confidence: float = 1.0
    """0–1: how sure the tier is of ``intent`` (of forwarding, when ``intent`` is ``None``)."""
    missing: Filled | None = None
    """Set when ``intent`` still needs a required slot: ask for it before running anything."""
    declined: Intent | None = None
    """With ``intent`` ``None``: the learned tier's guess, slots filled, that it would have run
    had the recognizer not doubted the words; the edge may ask "did you mean …?" with it."""


def load_model() -> IntentModel:
    """The packaged learned tier (blocking, about a second; call it in a thread)."""
    from understanding import load_default

    return load_default()


class Understander:
    """Templates, then the learned tier. Thread-safe; holds no per-conversation state."""

    def __init__(self, handled: Collection[str], model: IntentModel | None = None) -> None:
        """``model`` ``None`` keeps to the templates (the learned tier is not installed)."""
        self.handled = frozenset(handled)
        self.model = model

    @classmethod
    async def start(cls, handled: Collection[str]) -> Understander:
        """Loads the learned tier in a worker thread; without it, templates only (logged)."""
        started = time.perf_counter()
        try:
            model = await asyncio.to_thread(load_model)
        except (ImportError, OSError) as error:
            log.warning("understanding.model_unavailable", reason=str(error))
            return cls(handled)
        log.info(
            "understanding.model_loaded", load_ms=round((time.perf_counter() - started) * 1000)
        )
        return cls(handled, model)

    def templates(self, text: str, home: frozenset[str] | None = None) -> Understood | None:
        """The templates' answer, or ``None`` when they do not know ``text``; ``home``: the
        words of the house's names when this edge has a Home Assistant (``interpret``)."""
        found = interpret(text, home=home)
        return None if found is None else Understood(found, "template", 1.0)

    def understand_now(
        self, text: str, *, spoken: bool = False, words_doubted: bool = False
    ) -> Understood:
        """Every tier, in this thread (the CLI, benchmarks, worker threads)."""
        found = self.templates(text) or self.learned(text, words_doubted)
        if found.intent is not None or not spoken:
            return found
        return self.spoken_repair(text) or found

    async def understand(
        self,
        text: str,
        home: frozenset[str] | None = None,
        *,
        spoken: bool = False,
        words_doubted: bool = False,
    ) -> Understood:
        """Every tier; the model runs in a worker thread, never on the event loop. ``spoken``:
        ``text`` is a recognizer's transcript, which may still be repaired (``spoken_repair``).
        ``words_doubted``: the recognizer doubted those words (``learned``)."""
        found = self.templates(text, home)
        if found is not None:
            return found
        learned = Understood(None)
        if self.model is not None:
            learned = await asyncio.to_thread(self.learned, text, words_doubted)
        if learned.intent is not None or not spoken:
            return learned
        # In the thread too: the first repair builds the grammar's phrase table (~0.3 s).
        return await asyncio.to_thread(self.spoken_repair, text, home) or learned

    def spoken_repair(self, text: str, home: frozenset[str] | None = None) -> Understood | None:
        """What a misheard command most probably was (``assistant.interpreter.spoken``)."""
        repaired = repair(text, home=home)
        if repaired is None or repaired.intent.name not in self.handled:
            return None
        log.info("understanding.spoken_repair", said=repaired.said, closeness=repaired.closeness)
        return Understood(repaired.intent, "spoken", repaired.closeness)

    def learned(self, text: str, words_doubted: bool = False) -> Understood:
        """The learned tier alone (blocking, milliseconds). ``words_doubted``: the recognizer
        doubted the words, which then need a surer guess (``IntentModel.bar``)."""
        if self.model is None:
            return Understood(None)
        return self.decide(text, self.model.best(text), words_doubted)

    def decide(self, text: str, best: Guess, words_doubted: bool = False) -> Understood:
        """The verdict on the model's ``best`` label for ``text``: run it, ask, or forward."""
        if self.model is None:
            return Understood(None)
        bar = self.model.bar(words_doubted)
        handled = best.intent in self.handled
        local = handled and best.confidence >= bar
        doubted = handled and self.model.threshold <= best.confidence < bar
        if doubted:
            log.info("understanding.doubted_words", intent=best.intent,
                     confidence=round(best.confidence, 4), bar=bar)  # fmt: skip
        filled = fill(best.intent, text) if local or doubted else None
        if filled is None or not local:
            sure = 1.0 - best.confidence if handled else best.confidence
            # Only a guess that could run as it stands is worth offering back.
            declined = filled.intent if filled and filled.missing is None else None
            return Understood(None, confidence=round(max(sure, 0.0), 4), declined=declined)
        confidence = round(best.confidence, 4)
        if filled.missing is not None:
            return Understood(filled.intent, "model", confidence, missing=filled)
        return Understood(filled.intent, "model", confidence)

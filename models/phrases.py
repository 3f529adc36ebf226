"""Phrases a user taught Jarvis: "when I say movie time, pause the music and set the volume to 20".

The cloud keeps them (the truth, one list for all of a user's devices) and pushes the whole list
to every edge, which matches them before anything else and keeps working from its copy offline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models._wire import as_object, get_list, get_nonempty_str
from models.conversation import Intent
from models.errors import DecodeError

MAX_PHRASE_CHARS = 80
"""A taught phrase is a short trigger, not a sentence to dictate."""
MAX_ACTIONS_CHARS = 300
"""The words for what it does: no longer than a local command can be."""
MAX_INTENTS = 8
"""How many local commands one phrase may run, in order."""
MAX_PHRASES = 100
"""How many phrases a user may teach: the whole list travels in one frame to every edge."""

_NOT_A_WORD = re.compile(r"[^\w']+")


def phrase_key(text: str) -> str:
    """What two sayings of a phrase share: lower case, words only ("Movie time!" → "movie time")."""
    return " ".join(_NOT_A_WORD.sub(" ", text.casefold().replace("’", "'")).split())


@dataclass(frozen=True, slots=True)
class TaughtPhrase:
    """A trigger phrase, as the user said it, and the local intents it runs in order."""

    phrase: str
    actions: str
    """What the phrase does, in the user's words ("pause the music and set the volume to 20")."""
    intents: tuple[Intent, ...]

    @property
    def key(self) -> str:
        return phrase_key(self.phrase)

    def to_wire(self) -> dict[str, Any]:
        return {
            "phrase": self.phrase,
            "actions": self.actions,
            "intents": [intent.to_wire() for intent in self.intents],
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "phrase") -> TaughtPhrase:
        obj = as_object(data, path)
        phrase = get_nonempty_str(obj, "phrase", path)
        if not phrase_key(phrase) or len(phrase) > MAX_PHRASE_CHARS:
            raise DecodeError(f"{path}.phrase", f"expected 1 to {MAX_PHRASE_CHARS} characters")
        actions = get_nonempty_str(obj, "actions", path)
        if len(actions) > MAX_ACTIONS_CHARS:
            raise DecodeError(f"{path}.actions", f"expected at most {MAX_ACTIONS_CHARS} characters")
        raw_intents = get_list(obj, "intents", path)
        if not 1 <= len(raw_intents) <= MAX_INTENTS:
            raise DecodeError(f"{path}.intents", f"expected 1 to {MAX_INTENTS} intents")
        intents = tuple(
            Intent.from_wire(item, f"{path}.intents[{index}]")
            for index, item in enumerate(raw_intents)
        )
        return cls(phrase=phrase, actions=actions, intents=intents)


def phrases_to_wire(phrases: Sequence[TaughtPhrase]) -> list[dict[str, Any]]:
    return [phrase.to_wire() for phrase in phrases]


def phrases_from_wire(data: object, path: str = "phrases") -> tuple[TaughtPhrase, ...]:
    if not isinstance(data, list):
        raise DecodeError(path, "expected a list")
    return tuple(TaughtPhrase.from_wire(item, f"{path}[{i}]") for i, item in enumerate(data))

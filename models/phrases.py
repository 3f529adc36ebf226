"""Phrases a user taught Jarvis: "when I say movie time, pause the music and set the volume to 20".

The cloud keeps them (the truth, one list for all of a user's devices) and pushes the whole list
to every edge, which matches them before anything else and keeps working from its copy offline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

import msgspec

from models.codec import WireValue, from_wire, to_wire
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
class TaughtPhrase(WireValue):
    """A trigger phrase, as the user said it, and the local intents it runs in order."""

    WIRE_NAME: ClassVar[str] = "phrase"

    phrase: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PHRASE_CHARS)]
    actions: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ACTIONS_CHARS)]
    """What the phrase does, in the user's words ("pause the music and set the volume to 20")."""
    intents: Annotated[tuple[Intent, ...], msgspec.Meta(min_length=1, max_length=MAX_INTENTS)]

    def __post_init__(self) -> None:
        if not phrase_key(self.phrase):
            raise DecodeError("phrase", "expected at least one word")

    @property
    def key(self) -> str:
        return phrase_key(self.phrase)


def phrases_to_wire(phrases: Sequence[TaughtPhrase]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = to_wire(phrases)
    return wire


def phrases_from_wire(data: object, path: str = "phrases") -> tuple[TaughtPhrase, ...]:
    return from_wire(data, tuple[TaughtPhrase, ...], path)

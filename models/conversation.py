"""What a person says, what it means, and what Jarvis answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from models._wire import Scalar
from models.codec import WireValue


def _frozen_mapping(values: Mapping[str, Scalar]) -> Mapping[str, Scalar]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Utterance(WireValue):
    """One thing a person said or typed, as text."""

    WIRE_NAME: ClassVar[str] = "utterance"

    id: str
    text: str
    trace_id: str
    device_id: str | None = None
    session_id: str | None = None
    ts: float = 0.0
    """Seconds since the epoch when it was heard."""
    words_doubted: bool = False
    """The recognizer that heard ``text`` doubted it (``understanding.doubted_words``): a
    guess at a local command from these words needs to be surer."""


@dataclass(frozen=True, slots=True)
class Intent(WireValue):
    """A local command: a catalogue name (``timer.start``) and its slots (``duration_s``)."""

    WIRE_NAME: ClassVar[str] = "intent"

    name: str
    slots: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen all the way down: nobody downstream may edit a slot in place.
        object.__setattr__(self, "slots", _frozen_mapping(self.slots))


@dataclass(frozen=True, slots=True)
class WakeHeard(WireValue):
    """How the wake word was heard: which ear, how sure it was, and for whom. Never what was
    said."""

    WIRE_NAME: ClassVar[str] = "woke"

    by: str
    """``detector``, ``whisper check``, ``microWakeWord`` or ``slowed detector`` (the detector
    on the audio slowed down)."""
    score: float
    """How sure that ear was (its own probability, 0–1)."""
    voice: str | None = None
    """The enrolled voice (``jarvis wake enroll``) it woke for, when that is how."""
    satellite: str | None = None
    """The Wyoming satellite whose microphone heard the phrase (its address as configured in
    ``JARVIS_WYOMING_SATELLITES``); ``None`` for this edge's own microphone."""


@dataclass(frozen=True, slots=True)
class Reply(WireValue):
    """What Jarvis says back, tied to the utterance that caused it when there is one."""

    WIRE_NAME: ClassVar[str] = "reply"
    WIRE_OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ("woke",)
    """Only a wake says how it was heard: every other reply keeps the wire form it had."""

    text: str
    utterance_id: str | None = None
    kind: str = "reply"
    """``reply`` for an answer; ``timer``, ``reminder``… for something that happened later;
    ``cancelled``: the request it names was stopped (its text, when any, says by whom)."""
    follow_up_at: float | None = None
    """Seconds since the epoch when a later reply to the same utterance is due (a reminder)."""
    awaiting_confirmation: bool = False
    """The cloud waits for a yes or no to this reply (a privacy action on a far device)."""
    woke: WakeHeard | None = None
    """On a ``wake`` (the wake word heard, ``kind`` ``wake``): which ear heard it and how sure
    it was."""

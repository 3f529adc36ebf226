"""What a person says, what it means, and what Jarvis answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from models._wire import Scalar, as_object, get_bool, get_number, get_scalars, get_str


def _frozen_mapping(values: Mapping[str, Scalar]) -> Mapping[str, Scalar]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class Utterance:
    """One thing a person said or typed, as text."""

    id: str
    text: str
    trace_id: str
    device_id: str | None = None
    session_id: str | None = None
    ts: float = 0.0
    """Seconds since the epoch when it was heard."""

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "trace_id": self.trace_id,
            "device_id": self.device_id,
            "session_id": self.session_id,
            "ts": self.ts,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "utterance") -> Utterance:
        obj = as_object(data, path)
        return cls(
            id=get_str(obj, "id", path),
            text=get_str(obj, "text", path),
            trace_id=get_str(obj, "trace_id", path),
            device_id=get_str(obj, "device_id", path, optional=True),
            session_id=get_str(obj, "session_id", path, optional=True),
            ts=get_number(obj, "ts", path),
        )


@dataclass(frozen=True, slots=True)
class Intent:
    """A local command: a catalogue name (``timer.start``) and its slots (``duration_s``)."""

    name: str
    slots: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Frozen all the way down: nobody downstream may edit a slot in place.
        object.__setattr__(self, "slots", _frozen_mapping(self.slots))

    def to_wire(self) -> dict[str, Any]:
        return {"name": self.name, "slots": dict(self.slots)}

    @classmethod
    def from_wire(cls, data: object, path: str = "intent") -> Intent:
        obj = as_object(data, path)
        return cls(name=get_str(obj, "name", path), slots=get_scalars(obj, "slots", path))


@dataclass(frozen=True, slots=True)
class Reply:
    """What Jarvis says back, tied to the utterance that caused it when there is one."""

    text: str
    utterance_id: str | None = None
    kind: str = "reply"
    """``reply`` for an answer; ``timer``, ``reminder``… for something that happened later;
    ``cancelled``: the request it names was stopped (its text, when any, says by whom)."""
    follow_up_at: float | None = None
    """Seconds since the epoch when a later reply to the same utterance is due (a reminder)."""
    awaiting_confirmation: bool = False
    """The cloud waits for a yes or no to this reply (a privacy action on a far device)."""

    def to_wire(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "utterance_id": self.utterance_id,
            "kind": self.kind,
            "follow_up_at": self.follow_up_at,
            "awaiting_confirmation": self.awaiting_confirmation,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "reply") -> Reply:
        obj = as_object(data, path)
        return cls(
            text=get_str(obj, "text", path),
            utterance_id=get_str(obj, "utterance_id", path, optional=True),
            kind=get_str(obj, "kind", path),
            follow_up_at=get_number(obj, "follow_up_at", path, optional=True),
            # Optional on the wire: older clouds never send it.
            awaiting_confirmation=get_bool(obj, "awaiting_confirmation", path, default=False),
        )

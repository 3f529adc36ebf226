"""The wire envelope every edge <-> cloud message travels in."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import msgspec

from models._wire import strict_json
from models.codec import from_wire
from models.errors import DecodeError
from models.limits import ID_PATTERN, is_well_formed_id

PROTOCOL_VERSION = 1

MAX_FRAME_BYTES = 64 * 1024
"""The most an encoded envelope may take on the wire (UTF-8), either way. The cloud refuses a
larger one (``too_large``), so what a sender cannot bound by design (a program's output) it must
cut to fit before sending."""

REFUSED_FOR_GOOD = frozenset(
    {"bad_envelope", "bad_body", "unknown_type", "too_large", "unstorable", "not_found"}
)
"""Codes of an ``error`` message after which sending the message it names (``ref``) again can
never succeed: the sender drops it from its outbox and reports the failure. Any other code
(``internal``, say) means "try again later", and the message stays in the outbox."""


def new_id() -> str:
    """A fresh random id (uuid4 hex) for messages, utterances and traces."""
    return uuid.uuid4().hex


_DERIVED = uuid.UUID("6a617276-6973-4d73-8000-000000000001")


def derived_id(source_id: str, role: str) -> str:
    """An id made from another message's id (uuid5 hex): the same inputs always give the same
    id, so a message made again for the same cause (after a crash, say) is a duplicate that the
    receiver drops by id."""
    return uuid.uuid5(_DERIVED, f"{source_id}/{role}").hex


_Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]


class _Frame(msgspec.Struct, frozen=True):
    """What every frame holds, whatever its type (``models.messages`` reads the body)."""

    v: int
    type: Annotated[str, msgspec.Meta(min_length=1)]
    id: _Id
    trace_id: _Id
    ts: float
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Envelope:
    """``{"v", "type", "id", "trace_id", "ts", "body"}``; ``id`` is the idempotency key."""

    type: str
    body: Mapping[str, Any]
    id: str = field(default_factory=new_id)
    trace_id: str = field(default_factory=new_id)
    ts: float = field(default_factory=time.time)
    """Seconds since the epoch when the message was made."""
    v: int = PROTOCOL_VERSION

    def encode(self) -> str:
        return json.dumps(
            {
                "v": self.v,
                "type": self.type,
                "id": self.id,
                "trace_id": self.trace_id,
                "ts": self.ts,
                "body": self.body,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def decode(cls, raw: str | bytes) -> Envelope:
        """The envelope in ``raw``; DecodeError for anything else, strict JSON included."""
        data = strict_json(raw)
        version = data.get("v") if isinstance(data, dict) else None
        # Said before any other field: a newer peer's envelope may differ in all of them.
        if type(version) is int and version != PROTOCOL_VERSION:
            raise DecodeError(
                "v", f"unsupported envelope version {version}; this build speaks {PROTOCOL_VERSION}"
            )
        frame = from_wire(data, _Frame)
        return cls(
            v=frame.v,
            type=frame.type,
            id=frame.id,
            trace_id=frame.trace_id,
            ts=frame.ts,
            body=frame.body,
        )


def too_large(frame: str) -> bool:
    """Whether ``frame`` takes more than ``MAX_FRAME_BYTES`` in UTF-8."""
    # UTF-8 takes at most 4 bytes a character: most frames need no encoding to be measured.
    return len(frame) > MAX_FRAME_BYTES // 4 and len(frame.encode("utf-8")) > MAX_FRAME_BYTES


def readable_id(raw: str | bytes) -> str | None:
    """The id of a frame that is no valid envelope, when a well-formed one can be read from it:
    the receiver names it in its refusal, so the sender drops it instead of sending it again."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    found = data.get("id") if isinstance(data, dict) else None
    return found if is_well_formed_id(found) else None

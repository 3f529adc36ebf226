"""The bounds every way in keeps to: the edge's HTTP API, the cloud's REST and WebSocket paths.

One place, so the cloud cannot accept what an edge would refuse (a 300,000-character request
whose reply could never fit a frame), and an id a client picks is an id, not a payload.
"""

from __future__ import annotations

import re

from models.codec import describe_pattern
from models.conversation import Utterance
from models.errors import DecodeError

MAX_TEXT_CHARS = 4000
"""The longest text a person may say or type in one utterance."""
MAX_ID_CHARS = 64
_ID_WORDS = f"an id of 1 to {MAX_ID_CHARS} letters, digits, _ or -"
ID_PATTERN = describe_pattern(f"^[0-9A-Za-z_-]{{1,{MAX_ID_CHARS}}}$", _ID_WORDS)
"""A well-formed id (message, utterance, trace, device, session): letters, digits, ``_`` and
``-``, 1 to 64 of them. Ours are uuid hex (32); anything else a client picks must fit too."""
_ID = re.compile(ID_PATTERN)


def is_well_formed_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def check_id(value: object, field: str) -> str:
    """``value`` when it is a well-formed id; DecodeError naming ``field`` otherwise."""
    if not is_well_formed_id(value):
        raise DecodeError(field, f"expected {_ID_WORDS}")
    assert isinstance(value, str)
    return value


def check_text(text: str, field: str) -> str:
    """``text`` when a person could have said it: not blank, at most MAX_TEXT_CHARS."""
    if not text.strip():
        raise DecodeError(field, "must not be blank")
    if len(text) > MAX_TEXT_CHARS:
        raise DecodeError(field, f"must be at most {MAX_TEXT_CHARS} characters, not {len(text)}")
    return text


def check_utterance(utterance: Utterance, path: str = "utterance") -> Utterance:
    """``utterance`` when it keeps the edge's limits; DecodeError naming the field otherwise."""
    check_text(utterance.text, f"{path}.text")
    check_id(utterance.id, f"{path}.id")
    check_id(utterance.trace_id, f"{path}.trace_id")
    for name in ("device_id", "session_id"):
        value = getattr(utterance, name)
        if value is not None:
            check_id(value, f"{path}.{name}")
    return utterance

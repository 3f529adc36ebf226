"""Strict JSON: what the standard allows and every store here can hold (``strict_json``)."""

import json
import math
import re
from typing import Any

import msgspec

from models.errors import DecodeError

# JSON scalars a slot or a step parameter may hold.
Scalar = str | int | float | bool | None


_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
"""A JSON escape for NUL or a UTF-16 surrogate (half of a pair, or alone)."""
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""Characters no text store here holds: NUL (PostgreSQL text) and lone surrogates (UTF-8 has no
encoding for them). A surrogate pair in JSON is read as one character, so any left is alone."""


def strict_json(raw: str | bytes, *, storable: bool = True) -> Any:
    """JSON as the standard has it, and text any store can hold; DecodeError otherwise.

    Python's reader takes more: ``NaN`` and ``Infinity``, ``1e999`` (read as infinity), lone
    surrogates and NUL characters. Each would pass here and fail later, in PostgreSQL or
    SQLite, where the sender can no longer hear why and would send it again forever.

    ``storable=False`` leaves the text to the caller, which checks only the fields it keeps
    (with ``unstorable_character``) and ignores the rest."""
    try:
        # msgspec refuses all Python's reader would wrongly take but NUL (checked below), at a
        # sixth of its cost; what it refuses is read again the slow way, for the reason.
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeEncodeError, RecursionError):
        data = _python_json(raw)
    if storable:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
        # Escapes are rare (encoders write text as is), so most frames skip the walk.
        if _ESCAPE.search(text):
            _check_text(data, "$")
    return data


def _python_json(raw: str | bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise DecodeError("$", f"not valid JSON ({error})") from None
    except RecursionError:
        raise DecodeError("$", "not valid JSON (nested too deeply)") from None


def unstorable_character(text: str) -> str | None:
    """What in ``text`` cannot be stored ("NUL (\\u0000) characters"), or None."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return "NUL (\\u0000) characters" if found.group() == "\x00" else "lone surrogates"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"{literal} is out of range")
    return value


def _check_text(value: Any, path: str) -> None:
    if isinstance(value, str):
        bad = unstorable_character(value)
        if bad:
            raise DecodeError(path, f"text must not hold {bad}")
    elif isinstance(value, dict):
        for key, item in value.items():
            # A key is named by itself, made printable: "$" is kept for JSON that is not JSON.
            field = _join(path, key) if path != "$" else key
            bad = unstorable_character(key)
            if bad:
                raise DecodeError(_UNSTORABLE.sub("\ufffd", field), f"keys must not hold {bad}")
            _check_text(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}[{index}]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key

"""Small, strict readers for JSON-shaped data, so every decoder reports the field at fault."""

import json
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from models.errors import DecodeError

T = TypeVar("T")

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
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite_float)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise DecodeError("$", f"not valid JSON ({error})") from None
    except RecursionError:
        raise DecodeError("$", "not valid JSON (nested too deeply)") from None
    if storable:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", errors="replace")
        # Escapes are rare (encoders write text as is), so most frames skip the walk.
        if _ESCAPE.search(text):
            _check_text(data, "$")
    return data


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


def as_object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DecodeError(field, f"expected an object, got {_kind(value)}")
    return value


def get_str(obj: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> Any:
    value = _get(obj, key, path, optional=optional)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise DecodeError(_join(path, key), f"expected a string, got {_kind(value)}")
    return value


def get_nonempty_str(obj: Mapping[str, Any], key: str, path: str) -> str:
    value: str = get_str(obj, key, path)
    if not value:
        raise DecodeError(_join(path, key), "must not be empty")
    return value


def get_int(obj: Mapping[str, Any], key: str, path: str) -> int:
    value = _get(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DecodeError(_join(path, key), f"expected an integer, got {_kind(value)}")
    return value


def get_number(obj: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> Any:
    value = _get(obj, key, path, optional=optional)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DecodeError(_join(path, key), f"expected a number, got {_kind(value)}")
    return float(value)


def get_bool(obj: Mapping[str, Any], key: str, path: str, *, default: bool | None = None) -> bool:
    """A boolean; when ``default`` is given, a missing key reads as it."""
    if default is not None and key not in obj:
        return default
    value = _get(obj, key, path)
    if not isinstance(value, bool):
        raise DecodeError(_join(path, key), f"expected true or false, got {_kind(value)}")
    return value


def get_list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = _get(obj, key, path)
    if not isinstance(value, list):
        raise DecodeError(_join(path, key), f"expected a list, got {_kind(value)}")
    return value


def get_scalars(obj: Mapping[str, Any], key: str, path: str) -> dict[str, Scalar]:
    """An object whose values are JSON scalars (slots, step parameters)."""
    field = _join(path, key)
    value = as_object(_get(obj, key, path), field)
    for name, item in value.items():
        if not isinstance(name, str):
            raise DecodeError(field, "keys must be strings")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise DecodeError(_join(field, name), f"expected a scalar, got {_kind(item)}")
    return dict(value)


def _get(obj: Mapping[str, Any], key: str, path: str, *, optional: bool = False) -> Any:
    if key not in obj:
        if optional:
            return None
        raise DecodeError(_join(path, key), "is missing")
    return obj[key]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)

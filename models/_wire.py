"""Small, strict readers for JSON-shaped data, so every decoder reports the field at fault."""

from collections.abc import Mapping
from typing import Any, TypeVar

from models.errors import DecodeError

T = TypeVar("T")

# JSON scalars a slot or a step parameter may hold.
Scalar = str | int | float | bool | None


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

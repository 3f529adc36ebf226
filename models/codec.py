"""The one codec between wire data and typed values: msgspec, its errors in our words.

Frames are read by ``models._wire.strict_json`` first (no NaN, no 1e999, no NUL, no lone
surrogates); this module turns the JSON values it gives into typed values — domain
dataclasses, message bodies (``models.messages``) — and back. Every refusal is a DecodeError
that names the field at fault with its full path (``body.mission.steps[1].action``).
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Mapping
from types import MappingProxyType, NoneType, UnionType
from typing import Any, ClassVar, Self, TypeVar

import msgspec

from models.errors import DecodeError

T = TypeVar("T")

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")
_BAD_VALUE = re.compile(r"^Invalid (?:enum )?value (?P<value>.+)$")
_CONSTRAINT = re.compile(r"^Expected `(?P<want>[^`]+)` (?P<rule>.+)$")

_WANTED = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
    "bool | int | float | str | null": "a scalar",
    "str | null": "a string or null",
    "float | null": "a number or null",
    "int | null": "an integer or null",
    "object | null": "an object or null",
}
_GOT = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def from_wire(data: object, kind: type[T], path: str = "") -> T:
    """``data`` (JSON values) as a ``kind``; DecodeError naming ``path`` + the field otherwise."""
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as error:
        raise decode_error(error, data, kind, path) from None


def to_wire(value: object) -> Any:
    """JSON values for ``value``: sets sorted (so a message is the same every time it is made),
    read-only mappings as objects, tuples as lists (as they come back from JSON), and the
    fields its class names in ``WIRE_OMITTED_WHEN_NONE`` left out while they are None (a field
    added later, so what was sent before is sent byte for byte as before). Only ``value``'s
    own: a value nested in another writes such a field as null."""
    wire = _lists(msgspec.to_builtins(value, enc_hook=_enc_hook, order="deterministic"))
    for name in getattr(value, "WIRE_OMITTED_WHEN_NONE", ()):
        if name in wire and wire[name] is None:
            del wire[name]
    return wire


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value


def _enc_hook(value: object) -> Any:
    if isinstance(value, MappingProxyType):
        return dict(value)
    raise NotImplementedError(f"{type(value).__name__} has no wire form")


def decode_error(
    error: msgspec.ValidationError, data: object, kind: object, path: str
) -> DecodeError:
    """msgspec's ``error`` about ``data`` (read as ``kind``) as a DecodeError whose field is the
    full path from ``path``, its problem said the way the rest of Jarvis says it."""
    text = str(error)
    found = _AT.search(text)
    segments = _segments(found.group("path")) if found else []
    problem = _AT.sub("", text)
    cause = error.__cause__
    if isinstance(cause, DecodeError):
        # Raised by a value's own check (``__post_init__``), about one of its fields.
        return DecodeError(_join(path, [*segments, f".{cause.field}"]), cause.problem)
    if missing := _MISSING.match(problem):
        return DecodeError(_join(path, [*segments, f".{missing['name']}"]), "is missing")
    if expected := _EXPECTED.match(problem):
        segments = _name_keys(data, segments, expected["got"])
        want = _WANTED.get(expected["want"], expected["want"])
        return DecodeError(_join(path, segments), f"expected {want}, got {_GOT[expected['got']]}")
    if bad := _BAD_VALUE.match(problem):
        allowed = _allowed(kind, segments)
        where = _join(path, segments)
        if allowed:
            return DecodeError(where, f"{bad['value']} is not one of {', '.join(allowed)}")
        return DecodeError(where, f"{bad['value']} is not allowed here")
    if rule := _CONSTRAINT.match(problem):
        return DecodeError(_join(path, segments), _constraint(rule["want"], rule["rule"]))
    return DecodeError(_join(path, segments), problem[:1].lower() + problem[1:])


_PATTERNS: dict[str, str] = {}
"""Words for the regular expressions values must match (``describe_pattern``)."""


def describe_pattern(pattern: str, words: str) -> str:
    """Say ``words`` ("an id of…") where a value does not match ``pattern``; returns it."""
    _PATTERNS[pattern] = words
    return pattern


def _constraint(want: str, rule: str) -> str:
    if rule == "of length >= 1":
        return "must not be empty"
    if rule.startswith("matching regex "):
        words = _PATTERNS.get(rule.removeprefix("matching regex ").strip("'"))
        if words:
            return f"expected {words}"
    noun = {"str": "text", "array": "a list", "object": "an object"}.get(want, "a value")
    if want in ("int", "float"):
        noun = "a number"
    return f"expected {noun} {rule}"


def _segments(msgspec_path: str) -> list[str]:
    """``.steps[1].action`` → ``[".steps", "[1]", ".action"]``."""
    return re.findall(r"\.[^.\[]+|\[[^\]]*\]", msgspec_path)


def _join(path: str, segments: list[str]) -> str:
    joined = path + "".join(segments)
    return joined.removeprefix(".") or "$"


def _name_keys(data: object, segments: list[str], got: str) -> list[str]:
    """msgspec says ``[...]`` for a key of a mapping; the first key holding a value of the
    kind it complained about is named instead (``slots.items``)."""
    named: list[str] = []
    value: Any = data
    for segment in segments:
        if segment == "[...]" and isinstance(value, Mapping):
            key = next((k for k, v in value.items() if _kind(v) == got), None)
            if key is None:
                return named + segments[len(named) :]
            named.append(f".{key}")
            value = value[key]
        elif segment.startswith("[") and isinstance(value, list):
            named.append(segment)
            index = int(segment[1:-1])
            value = value[index] if index < len(value) else None
        elif segment.startswith(".") and isinstance(value, Mapping):
            named.append(segment)
            value = value.get(segment[1:])
        else:
            return named + segments[len(named) :]
    return named


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {str: "str", int: "int", float: "float", list: "array", dict: "object"}.get(
        type(value), "?"
    )


def _allowed(kind: object, segments: list[str]) -> list[str]:
    """The values an enum or a tagged union at ``segments`` of ``kind`` takes, when known."""
    target = _type_at(kind, segments)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return [str(member.value) for member in target]
    literal = _literal_values(target)
    return sorted(literal) if literal else []


def _type_at(kind: object, segments: list[str]) -> object:
    for segment in segments:
        kind = _strip(kind)
        if segment.startswith("."):
            kind = _field_type(kind, segment[1:])
        else:
            args = typing.get_args(kind)
            kind = args[-1] if args else None
        if kind is None:
            return None
    return _strip(kind)


def _strip(kind: object) -> object:
    """``X | None`` → ``X``; ``Annotated[X, ...]`` → ``X``."""
    if typing.get_origin(kind) is typing.Annotated:
        kind = typing.get_args(kind)[0]
    if isinstance(kind, UnionType) or typing.get_origin(kind) is typing.Union:
        rest = [arg for arg in typing.get_args(kind) if arg is not NoneType]
        if len(rest) == 1:
            return _strip(rest[0])
    return kind


def _field_type(kind: object, name: str) -> object:
    if isinstance(kind, UnionType) or typing.get_origin(kind) is typing.Union:
        # A tagged union: its ``type`` field takes the tags of its members.
        tags = [_tag(member) for member in typing.get_args(kind)]
        return typing.Literal[tuple(tag for tag in tags if tag is not None)] if any(tags) else None
    if not isinstance(kind, type):
        return None
    try:
        return typing.get_type_hints(kind, include_extras=True).get(name)
    except (NameError, TypeError):
        return None


def _tag(member: object) -> str | None:
    config = getattr(member, "__struct_config__", None)
    tag = getattr(config, "tag", None)
    return tag if isinstance(tag, str) else None


def _literal_values(kind: object) -> list[str]:
    if typing.get_origin(kind) is typing.Literal:
        return [str(value) for value in typing.get_args(kind)]
    return []


class WireValue:
    """A value with a JSON wire form: ``to_wire()`` and ``from_wire(data)``, both by this codec.
    ``WIRE_NAME`` starts the path a DecodeError names (``mission.steps[1].action``)."""

    __slots__ = ()
    WIRE_NAME: ClassVar[str] = "value"

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire(self)
        return wire

    @classmethod
    def from_wire(cls, data: object, path: str | None = None) -> Self:
        return from_wire(data, cls, cls.WIRE_NAME if path is None else path)

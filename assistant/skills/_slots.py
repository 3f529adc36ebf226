"""Lenient readers for intent slots: a missing or malformed slot reads as ``None``.

The interpreter fills slots by the catalogue, but the skills must never raise over a bad one;
they ask the user instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def number(slots: Mapping[str, object], key: str) -> float | None:
    """A finite number, from a number or a numeric string; ``None`` otherwise."""
    value = slots.get(key)
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def integer(slots: Mapping[str, object], key: str) -> int | None:
    value = number(slots, key)
    return None if value is None else round(value)


def text(slots: Mapping[str, object], key: str) -> str | None:
    """Stripped, with inner runs of spaces collapsed; ``None`` when absent or blank."""
    value = slots.get(key)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def flag(slots: Mapping[str, object], key: str) -> bool:
    value = slots.get(key)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def spoken_name(slots: Mapping[str, object], key: str, *, noun: str) -> str | None:
    """``"My Pasta Timer"`` → ``"pasta"`` for ``noun="timer"``: the name as said after "your"."""
    value = text(slots, key)
    if value is None:
        return None
    cleaned = value.lower().removeprefix("the ").removeprefix("my ").removesuffix(noun).strip()
    return cleaned or None

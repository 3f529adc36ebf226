"""``math.eval``: the interpreter already computed the result; this only says it well."""

from __future__ import annotations

from collections.abc import Mapping

from assistant import replies
from assistant.skills import _slots


def say_result(slots: Mapping[str, object]) -> str:
    expression = _slots.text(slots, "expression") or ""
    result = _slots.number(slots, "result")  # None for a division by zero, say, or overflow
    if result is None or not expression:
        return replies.math_failed(expression)
    return replies.math_result(expression, result)

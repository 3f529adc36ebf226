"""``math.eval``: the interpreter already computed the result; this only says it well."""

from __future__ import annotations

from collections.abc import Mapping

from assistant import replies, replies_everyday
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names


def say_result(slots: Mapping[str, object]) -> str:
    expression = _slots.text(slots, "expression") or ""
    result = _slots.number(slots, "result")  # None for a division by zero, say, or overflow
    if result is None or not expression:
        return replies.math_failed(expression)
    total = _slots.number(slots, "total")  # present for a tip: the bill plus the tip
    percent, _, bill = expression.partition(" % of ")
    if total is not None and bill:
        return replies_everyday.tip(percent, bill, result, total)
    return replies.math_result(expression, result)


INTENTS: tuple[IntentSpec[None], ...] = (
    spec(
        names.MATH_EVAL, lambda _, asked: say_result(asked.slots), ("expression", "result", "total")
    ),
)

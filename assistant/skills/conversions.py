"""``convert.units``: the arithmetic is pint's; the words (and which units exist) are
``assistant.units``'."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from functools import cache
from typing import Any

from assistant import replies_everyday as say
from assistant import units
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names


@cache
def _registry() -> Any:
    """pint's unit registry: seconds to build, so built once, in a worker thread."""
    import pint

    return pint.UnitRegistry()


def convert(value: float, source: units.Unit, target: units.Unit) -> float:
    """``value`` in ``source`` expressed in ``target`` (blocking the first time: use a thread)."""
    registry = _registry()
    quantity = registry.Quantity(value, registry(source.pint).units)
    return float(quantity.to(registry(target.pint).units).magnitude)


async def convert_units(slots: Mapping[str, object]) -> str:
    value = _slots.number(slots, "value")
    source = units.BY_NAME.get(_slots.text(slots, "from") or "")
    target = units.BY_NAME.get(_slots.text(slots, "to") or "")
    if value is None or source is None or target is None:
        return say.conversion_need_units()
    if source.kind != target.kind:
        return say.cannot_convert(source.name, target.name)
    result = await asyncio.to_thread(convert, value, source, target)
    return say.converted(value, source, result, target)


INTENTS: tuple[IntentSpec[None], ...] = (
    spec(names.CONVERT_UNITS, lambda _, asked: convert_units(asked.slots), ("value", "from", "to")),
)

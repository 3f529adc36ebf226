"""``time.in_zone``: the time now in another place, from the gazetteer's zone and zoneinfo."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from assistant import gazetteer
from assistant import replies_everyday as say
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names


class WorldClockSkill:
    def __init__(self, timezone: tzinfo, clock: Callable[[], float]) -> None:
        self.timezone = timezone
        """This device's zone: the other place's day is named relative to it."""
        self._clock = clock

    async def time_in(self, slots: Mapping[str, object]) -> str:
        said = _slots.text(slots, "place")
        if said is None:
            return say.which_place()
        # The first lookup reads the gazetteer (~0.2 s): never on the event loop.
        place = await asyncio.to_thread(gazetteer.find, said)
        if place is None:
            return say.unknown_place(said)
        now = self._clock()
        there = datetime.fromtimestamp(now, tz=ZoneInfo(place.zone))
        here = datetime.fromtimestamp(now, tz=self.timezone)
        return say.time_in(place.name, there, here)


INTENTS: tuple[IntentSpec[WorldClockSkill], ...] = (
    spec(names.TIME_IN_ZONE, lambda skill, asked: skill.time_in(asked.slots), ("place",)),
)

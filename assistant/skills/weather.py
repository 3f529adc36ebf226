"""The weather, said on the edge from the forecast the cloud pushed, while it is fresh enough.

The cloud answers everything this copy cannot: another place, a day it does not hold, or a copy
too old. An old copy (over ``OLD_AFTER_S``) is still said while the cloud is out of reach, with
its age, up to ``OFFLINE_MAX_S``; with the cloud reachable, the cloud says a fresher one.
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import datetime

from assistant import replies
from assistant.skills.intent_spec import IntentSpec, spec
from assistant.weather_cache import WeatherCache
from models import intent_names as names
from models.weather import (
    OLD_AFTER_S,
    WHEN_VALUES,
    Forecast,
    TemperatureUnit,
    can_answer,
    spoken_weather,
    unit_for,
)

OFFLINE_MAX_S = 6 * 3600.0
"""The oldest forecast said at all (offline); older, the request waits for the cloud."""


class WeatherSkill:
    def __init__(self, cache: WeatherCache, clock: Callable[[], float] = time.time) -> None:
        self._cache = cache
        self._clock = clock  # epoch seconds; tests pass their own
        self.unit: TemperatureUnit = "celsius"

    def configure(self, settings: Mapping[str, object]) -> None:
        """Take the unit from the device's settings (``temperature_unit``, else ``language``)."""
        explicit, language = settings.get("temperature_unit"), settings.get("language")
        self.unit = unit_for(
            explicit if isinstance(explicit, str) else None,
            language if isinstance(language, str) else None,
        )

    async def answer_here(self, slots: Mapping[str, object], cloud_reachable: bool) -> str | None:
        """The sentence from the kept forecast, or None when the cloud should answer."""
        forecast = await self._cache.load()
        if forecast is None or not _same_place(forecast, slots.get("place")):
            return None
        age_s = self._clock() - forecast.fetched_at
        if age_s >= OFFLINE_MAX_S or (age_s >= OLD_AFTER_S and cloud_reachable):
            return None
        when = slots.get("when")
        when = when if isinstance(when, str) and when in WHEN_VALUES else None
        now = self._now(forecast)
        if not can_answer(forecast, when, now.date()):
            return None
        return spoken_weather(forecast, when, now=now, unit=self.unit)

    async def say(self, slots: Mapping[str, object]) -> str:
        """Asked here with no cloud to forward to (a command from another device): what the
        kept forecast can say, or that there is none."""
        answer = await self.answer_here(slots, cloud_reachable=False)
        return answer if answer is not None else replies.no_weather_here()

    def _now(self, forecast: Forecast) -> datetime:
        try:
            zone = zoneinfo.ZoneInfo(forecast.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return datetime.fromtimestamp(self._clock(), zone)


def _same_place(forecast: Forecast, place: object) -> bool:
    """No place asked means here; a named one must be the kept forecast's own."""
    if not isinstance(place, str) or not place:
        return True
    return bool(forecast.place) and place.lower() == forecast.place.lower()


INTENTS: tuple[IntentSpec[WeatherSkill], ...] = tuple(
    spec(name, lambda skill, asked: skill.say(asked.slots), ("place", "when"))
    for name in (names.WEATHER_CURRENT, names.WEATHER_FORECAST)
)
"""Said from the forecast the cloud sent, while it is fresh; else the cloud says it."""

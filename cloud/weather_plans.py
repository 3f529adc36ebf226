"""The planner's weather action: what was asked, before anyone asks the provider.

The words are read by ``models.weather_phrases``, exactly as the edge reads them, so a request
the edge forwards (its cached forecast was stale, or for another place) is understood the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.weather_phrases import parse_weather


@dataclass(frozen=True, slots=True)
class Weather:
    """Say the weather (``cloud.weather_service`` answers it)."""

    intent: str
    """``weather.current`` or ``weather.forecast``."""
    place: str | None
    """As said, lower case; None: the asking device's own place."""
    when: str | None
    """``today``, ``tomorrow``, a weekday, ``weekend``; None: now, or today for a forecast."""

    @property
    def slots(self) -> dict[str, str]:
        return {key: value for key, value in (("place", self.place), ("when", self.when)) if value}


def plan_weather(text: str) -> Weather | None:
    """The weather request ``text`` is, or None."""
    request = parse_weather(text)
    if request is None:
        return None
    return Weather(intent=request.intent, place=request.place, when=request.when)

"""The planner's weather action: what was asked, before anyone asks the provider.

The words are read by ``models.weather_phrases``, exactly as the edge reads them, so a request
the edge forwards (its cached forecast was stale, or for another place) is understood the same;
the action is that request itself (intent, place, when), which ``cloud.weather.service`` says.
"""

from __future__ import annotations

from models.weather_phrases import WeatherRequest, parse_weather

Weather = WeatherRequest
"""Say the weather: ``weather.current`` or ``weather.forecast``, a place (None: the asking
device's own) and a day (None: now, or today for a forecast)."""


def plan_weather(text: str) -> Weather | None:
    """The weather request ``text`` is, or None."""
    return parse_weather(text)

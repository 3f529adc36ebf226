"""The weather as both sides speak it: a place's forecast, which days a request means, and the
sentence that says it.

The cloud fetches a ``Forecast`` from a provider, keeps it, and pushes it to the edge, which
answers from it while it is fresh; both say it with ``spoken_weather`` so the words are the same
whoever answers. Temperatures are kept in degrees Celsius and converted only when spoken.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

import msgspec

from models.codec import from_wire, to_wire
from models.errors import DecodeError

TemperatureUnit = Literal["celsius", "fahrenheit"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WHEN_VALUES = frozenset({"now", "today", "tomorrow", "weekend", *WEEKDAYS})
"""What the ``when`` slot may hold; absent or ``now`` asks for the weather right now."""

OLD_AFTER_S = 3600.0
"""A forecast older than this is said with its age ("That forecast is 2 hours old.")."""

_WMO_WORDS = {
    0: "clear sky",
    1: "mainly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "fog",
    48: "freezing fog",
    51: "light drizzle",
    53: "drizzle",
    55: "heavy drizzle",
    56: "light freezing drizzle",
    57: "freezing drizzle",
    61: "light rain",
    63: "rain",
    65: "heavy rain",
    66: "light freezing rain",
    67: "freezing rain",
    71: "light snow",
    73: "snow",
    75: "heavy snow",
    77: "snow grains",
    80: "light showers",
    81: "showers",
    82: "violent showers",
    85: "light snow showers",
    86: "heavy snow showers",
    95: "thunderstorms",
    96: "thunderstorms with hail",
    99: "thunderstorms with heavy hail",
}
"""WMO weather interpretation codes (WMO 4677, as Open-Meteo documents them) in words."""


def weather_words(code: int) -> str:
    """``61`` → ``light rain``; a code outside the table is said vaguely, never dropped."""
    return _WMO_WORDS.get(code, "changeable weather")


class CurrentWeather(msgspec.Struct, frozen=True):
    """Conditions at the last observation the provider had."""

    time: str
    """Local ISO time of the observation ("2026-12-02T14:15")."""
    temperature_c: float
    weather_code: int = msgspec.field(name="code")


class DayWeather(msgspec.Struct, frozen=True):
    """One day of the forecast, in the place's own calendar."""

    date: str
    """ISO date ("2026-12-03")."""
    weather_code: int = msgspec.field(name="code")
    min_c: float
    max_c: float
    precipitation_mm: float = 0.0
    """Total over the day, millimetres."""

    def __post_init__(self) -> None:
        _iso_date(self.date, "date")


class Forecast(msgspec.Struct, frozen=True):
    """A place's weather now and for the coming days, as fetched at ``fetched_at``."""

    place: str
    """The place's name as it is said back ("Lisbon"); empty for a device's own place known
    only by its coordinates ("Tomorrow: light rain…")."""
    lat: float
    lon: float
    timezone: str
    """The place's IANA zone: its days are the ones in ``days``."""
    fetched_at: float
    """Epoch seconds when the provider was asked."""
    current: CurrentWeather | None
    days: tuple[DayWeather, ...]

    def day(self, iso: str) -> DayWeather | None:
        return next((day for day in self.days if day.date == iso), None)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire(self)
        return wire

    @classmethod
    def from_wire(cls, data: object, path: str = "forecast") -> Forecast:
        return from_wire(data, cls, path)


def _iso_date(text: str, path: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DecodeError(path, f"{text!r} is not an ISO date") from None


def days_meant(when: str, today: date) -> tuple[date, ...]:
    """The days ``when`` names, seen from ``today`` (the place's own date): ``weekend`` is the
    coming Saturday and Sunday (only Sunday on a Sunday), a weekday its next occurrence (today
    when it is that day)."""
    if when in ("now", "today"):
        return (today,)
    if when == "tomorrow":
        return (today + timedelta(days=1),)
    if when == "weekend":
        if today.weekday() == 6:
            return (today,)
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return (saturday, saturday + timedelta(days=1))
    if when in WEEKDAYS:
        return (today + timedelta(days=(WEEKDAYS.index(when) - today.weekday()) % 7),)
    raise ValueError(f"unknown when {when!r}")


def can_answer(forecast: Forecast, when: str | None, today: date) -> bool:
    """Whether ``forecast`` holds every day ``when`` asks about (now: today's)."""
    return all(
        forecast.day(day.isoformat()) is not None for day in days_meant(when or "now", today)
    )


def spoken_weather(
    forecast: Forecast,
    when: str | None,
    *,
    now: datetime,
    unit: TemperatureUnit = "celsius",
) -> str:
    """ "Tomorrow in Lisbon: light rain, 14 to 19 degrees." ``now`` is aware, in the place's zone;
    a forecast older than ``OLD_AFTER_S`` says how old it is, and "right now" is then no longer
    claimed: today's forecast is said instead."""
    age_s = now.timestamp() - forecast.fetched_at
    old = age_s >= OLD_AFTER_S
    when = when or "now"
    today = now.date()
    if when == "now" and forecast.current is not None and not old:
        current = forecast.current
        text = (
            f"Right now{_in(forecast)}: {weather_words(current.weather_code)}, "
            f"{_degrees(current.temperature_c, unit)} degrees."
        )
    else:
        text = _days_sentence(forecast, when, today, unit)
    if old:
        text += f" That forecast is {_age(age_s)} old."
    return text


def _days_sentence(forecast: Forecast, when: str, today: date, unit: TemperatureUnit) -> str:
    days = days_meant(when, today)
    known = [(day, forecast.day(day.isoformat())) for day in days]
    parts = [
        f"{_day_name(day)} {_day_words(found, unit)}" if len(days) > 1 else _day_words(found, unit)
        for day, found in known
        if found is not None
    ]
    if not parts:
        return f"I don't have the forecast for {_when_words(when, days[0], today)} yet."
    lead = _when_words(when, days[0], today)
    return f"{lead[:1].upper()}{lead[1:]}{_in(forecast)}: {'; '.join(parts)}."


def _in(forecast: Forecast) -> str:
    """ " in Lisbon"; nothing for the device's own place known only by its coordinates."""
    return f" in {forecast.place}" if forecast.place else ""


def _day_words(day: DayWeather, unit: TemperatureUnit) -> str:
    low, high = _degrees(day.min_c, unit), _degrees(day.max_c, unit)
    span = f"{low} degrees" if low == high else f"{low} to {high} degrees"
    return f"{weather_words(day.weather_code)}, {span}"


def _when_words(when: str, first: date, today: date) -> str:
    if when == "weekend":
        return "this weekend"
    if when in ("now", "today") or first == today:
        return "today"
    if first == today + timedelta(days=1):
        return "tomorrow"
    return f"on {_day_name(first)}"


def _day_name(day: date) -> str:
    return WEEKDAYS[day.weekday()].capitalize()


def _degrees(celsius: float, unit: TemperatureUnit) -> int:
    value = celsius * 9 / 5 + 32 if unit == "fahrenheit" else celsius
    return round(value)


def _age(seconds: float) -> str:
    hours = seconds / 3600
    if hours < 1.5:
        return "an hour"
    if hours < 36:
        return f"{round(hours)} hours"
    return f"{round(hours / 24)} days"


FAHRENHEIT_REGIONS = frozenset({"US", "LR", "MM", "BS", "BZ", "KY", "PW", "FM", "MH"})
"""Where people read the temperature in Fahrenheit (CLDR's "measurementSystem" for it)."""


def unit_for(explicit: str | None, language: str | None) -> TemperatureUnit:
    """The device's unit: its explicit setting, else what its language tag's region uses
    ("en-US" → fahrenheit), else celsius."""
    if explicit in ("celsius", "fahrenheit"):
        return "fahrenheit" if explicit == "fahrenheit" else "celsius"
    region = (language or "").replace("_", "-").split("-")[1:2]
    return "fahrenheit" if region and region[0].upper() in FAHRENHEIT_REGIONS else "celsius"

"""The weather's shared domain: which days a request means, the words said, and how people ask."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models import DecodeError
from models.weather import (
    CurrentWeather,
    DayWeather,
    Forecast,
    can_answer,
    days_meant,
    spoken_weather,
    unit_for,
    weather_words,
)
from models.weather_phrases import parse_weather

LISBON = ZoneInfo("Europe/Lisbon")
NOW = datetime(2026, 12, 2, 13, 0, tzinfo=LISBON)  # a Wednesday
TODAY = NOW.date()


def forecast(*, fetched_at: float = NOW.timestamp(), place: str = "Lisbon") -> Forecast:
    codes = (3, 61, 80, 2, 0, 63, 95)
    lows = (11.3, 14.2, 12.8, 10.1, 9.6, 10.4, 9.8)
    highs = (17.2, 18.6, 16.9, 15.4, 15.8, 14.9, 13.7)
    days = tuple(
        DayWeather((TODAY + timedelta(days=i)).isoformat(), codes[i], lows[i], highs[i], 0.0)
        for i in range(7)
    )
    current = CurrentWeather("2026-12-02T13:00", 16.6, 3)
    return Forecast(place, 38.72, -9.14, "Europe/Lisbon", fetched_at, current, days)


def test_tomorrow_is_said_as_the_issue_asks() -> None:
    """Tomorrow's forecast is one short sentence: place, words for the code, low to high."""
    text = spoken_weather(forecast(), "tomorrow", now=NOW)
    assert text == "Tomorrow in Lisbon: light rain, 14 to 19 degrees."


def test_now_uses_the_current_observation() -> None:
    """Without a day the current conditions are said."""
    assert spoken_weather(forecast(), None, now=NOW) == "Right now in Lisbon: overcast, 17 degrees."


def test_the_weekend_names_both_days() -> None:
    """This weekend is Saturday and Sunday, each with its own words and temperatures."""
    text = spoken_weather(forecast(), "weekend", now=NOW)
    assert text == (
        "This weekend in Lisbon: Saturday partly cloudy, 10 to 15 degrees; "
        "Sunday clear sky, 10 to 16 degrees."
    )


def test_a_weekday_is_its_next_occurrence() -> None:
    """Friday, asked on a Wednesday, is two days on; Wednesday itself is today."""
    assert spoken_weather(forecast(), "friday", now=NOW) == (
        "On Friday in Lisbon: light showers, 13 to 17 degrees."
    )
    assert days_meant("wednesday", TODAY) == (TODAY,)


def test_fahrenheit_converts_the_degrees() -> None:
    """The device's unit changes the numbers, not the sentence."""
    text = spoken_weather(forecast(), "tomorrow", now=NOW, unit="fahrenheit")
    assert text == "Tomorrow in Lisbon: light rain, 58 to 65 degrees."


def test_an_old_forecast_says_its_age_and_claims_no_right_now() -> None:
    """Three hours old: today's forecast instead of "right now", and the age said."""
    old = forecast(fetched_at=NOW.timestamp() - 3 * 3600)
    assert spoken_weather(old, None, now=NOW) == (
        "Today in Lisbon: overcast, 11 to 17 degrees. That forecast is 3 hours old."
    )


def test_an_unnamed_place_is_said_without_in() -> None:
    """The device's own place known by coordinates only: "Tomorrow: …"."""
    text = spoken_weather(forecast(place=""), "tomorrow", now=NOW)
    assert text == "Tomorrow: light rain, 14 to 19 degrees."


def test_a_day_beyond_the_forecast_is_said_honestly() -> None:
    """A day the forecast does not hold is not made up, and can_answer says so."""
    later = NOW + timedelta(days=7)
    assert not can_answer(forecast(), "tomorrow", later.date())
    assert "don't have the forecast" in spoken_weather(forecast(), "tomorrow", now=later)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 2), (date(2026, 12, 5), date(2026, 12, 6))),  # Wednesday
        (date(2026, 12, 5), (date(2026, 12, 5), date(2026, 12, 6))),  # Saturday
        (date(2026, 12, 6), (date(2026, 12, 6),)),  # Sunday: what is left of it
    ],
)
def test_weekend_days(today: date, expected: tuple[date, ...]) -> None:
    """The weekend is the coming Saturday and Sunday, or what is left of the current one."""
    assert days_meant("weekend", today) == expected


def test_units_follow_the_settings_then_the_region() -> None:
    """An explicit unit wins; otherwise en-US reads Fahrenheit and everyone else Celsius."""
    assert unit_for("celsius", "en-US") == "celsius"
    assert unit_for(None, "en-US") == "fahrenheit"
    assert unit_for(None, "en_GB") == "celsius"
    assert unit_for(None, None) == "celsius"


def test_wmo_codes_become_words() -> None:
    """Documented codes have words; an unknown one is said vaguely rather than dropped."""
    assert weather_words(0) == "clear sky"
    assert weather_words(95) == "thunderstorms"
    assert weather_words(42) == "changeable weather"


def test_forecast_wire_round_trip_and_refusal() -> None:
    """A forecast survives the wire; a bad date is refused naming the field."""
    original = forecast()
    assert Forecast.from_wire(original.to_wire()) == original
    broken = original.to_wire()
    broken["days"][0]["date"] = "soon"
    with pytest.raises(DecodeError) as error:
        Forecast.from_wire(broken)
    assert error.value.field == "forecast.days[0].date"


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("what's the weather", "weather.current", {}),
        (
            "will it rain tomorrow in lisbon",
            "weather.forecast",
            {"place": "lisbon", "when": "tomorrow"},
        ),
        ("weather this weekend", "weather.forecast", {"when": "weekend"}),
        (
            "Could you tell me the weather in New York, please?",
            "weather.current",
            {"place": "new york"},
        ),
        (
            "what's the weather in paris on monday",
            "weather.forecast",
            {"place": "paris", "when": "monday"},
        ),
        (
            "weather for the weekend in rome",
            "weather.forecast",
            {"place": "rome", "when": "weekend"},
        ),
    ],
)
def test_requests_are_read_with_place_and_when(
    text: str, intent: str, slots: dict[str, str]
) -> None:
    """Common phrasings give the intent and its slots, in either order."""
    request = parse_weather(text)
    assert request is not None
    assert (request.intent, request.slots) == (intent, slots)


@pytest.mark.parametrize(
    "text",
    [
        "wake me up when it stops raining",
        "search the web for weather apps",
        "what's the weather in the morning",
        "remind me to take an umbrella tomorrow",
        "what is the temperature of the cpu",
        "how hot is the cpu",
    ],
)
def test_traps_are_not_weather(text: str) -> None:
    """Sentences that only mention the weather are not weather requests."""
    assert parse_weather(text) is None

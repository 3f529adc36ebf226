"""The time elsewhere, countdowns and unit conversions through the Skills façade, on an
injected clock: the answers are checked, not only the intents."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent

NEW_YORK = ZoneInfo("America/New_York")
Slot = str | int | float | bool | None


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 2, 15, 0, tzinfo=UTC).timestamp())


@pytest.fixture
async def skills(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Skills]:
    db = await open_database(tmp_path)
    started = await Skills.start(
        db, ReplyRecorder(), timezone=NEW_YORK, adapters=PlatformAdapters(), clock=clock,
        country="GB",
    )  # fmt: skip
    yield started
    await started.close()
    await db.close()


async def say(skills: Skills, intent: str, /, **slots: Slot) -> str:
    return await skills.handle(Intent(intent, slots), "u0")


async def test_time_in_a_place_is_that_zones_wall_clock(skills: Skills, clock: FixedClock) -> None:
    """15:00 UTC is 4 PM in Paris and, past midnight there, 12 AM tomorrow in Tokyo."""
    assert await say(skills, "time.in_zone", place="Paris") == "In Paris it's 4:00 PM."
    assert await say(skills, "time.in_zone", place="Tokyo") == (
        "In Tokyo it's 12:00 AM tomorrow, Thursday."
    )
    clock.now = datetime(2026, 12, 3, 1, 30, tzinfo=UTC).timestamp()  # 8:30 PM in New York
    assert await say(skills, "time.in_zone", place="new york") == ("In New York City it's 8:30 PM.")
    assert await say(skills, "time.in_zone", place="Honolulu") == ("In Honolulu it's 3:30 PM.")


async def test_time_in_a_place_follows_its_daylight_saving(
    skills: Skills, clock: FixedClock
) -> None:
    """Noon UTC is 12 PM in London before its clocks go forward on 28 March 2027, 1 PM after."""
    clock.now = datetime(2027, 3, 27, 12, 0, tzinfo=UTC).timestamp()
    assert await say(skills, "time.in_zone", place="London") == "In London it's 12:00 PM."
    clock.now = datetime(2027, 3, 28, 12, 0, tzinfo=UTC).timestamp()
    assert await say(skills, "time.in_zone", place="London") == "In London it's 1:00 PM."


async def test_unknown_or_missing_place_is_said(skills: Skills) -> None:
    """A place the gazetteer lacks is named back; no place asks which."""
    assert await say(skills, "time.in_zone", place="Narnia") == ("I don't know where Narnia is.")
    assert await say(skills, "time.in_zone") == "Which place?"


async def test_countdowns_to_holidays_come_from_the_calendar(
    skills: Skills, clock: FixedClock
) -> None:
    """Christmas from the GB calendar; Thanksgiving and Easter (not GB's) from the US one."""
    assert await say(skills, "date.countdown", event="christmas") == (
        "Christmas Day is in 23 days, on Friday, December 25."
    )
    assert await say(skills, "date.countdown", event="thanksgiving") == (
        "Thanksgiving Day is in 358 days, on Thursday, November 25, 2027."
    )
    assert await say(skills, "date.countdown", event="easter") == (
        "Easter Sunday is in 116 days, on Sunday, March 28, 2027."
    )
    clock.now = datetime(2026, 12, 25, 15, 0, tzinfo=UTC).timestamp()
    assert await say(skills, "date.countdown", event="christmas") == "Christmas Day is today."


async def test_countdowns_to_birthdays_and_dates(skills: Skills) -> None:
    """A month and day is the next one; a full date in the past says how long ago."""
    assert await say(skills, "date.countdown", event="birthday", date="--06-03") == (
        "Your birthday is in 183 days, on Thursday, June 3, 2027."
    )
    assert await say(skills, "date.countdown", date="--12-03") == (
        "December 3 is tomorrow, Thursday, December 3."
    )
    assert await say(skills, "date.countdown", date="2026-11-30") == (
        "November 30 was 2 days ago, on Monday, November 30."
    )
    assert await say(skills, "date.countdown", date="--02-30") == (
        "I couldn't tell which day that is."
    )
    assert await say(skills, "date.countdown") == "Counting down to what?"


@pytest.mark.parametrize(
    ("slots", "reply"),
    [
        ({"value": 5, "from": "mile", "to": "kilometer"}, "5 miles is 8.05 kilometers."),
        ({"value": 1, "from": "liter", "to": "cup"}, "1 liter is 4.23 cups."),
        (
            {"value": 70, "from": "fahrenheit", "to": "celsius"},
            "70 degrees Fahrenheit is 21.1 degrees Celsius.",
        ),
        (
            {"value": -40, "from": "celsius", "to": "fahrenheit"},
            "-40 degrees Celsius is -40 degrees Fahrenheit.",
        ),
        ({"value": 1, "from": "cup", "to": "fluid ounce"}, "1 cup is 8 fluid ounces."),
        ({"value": 1, "from": "mile", "to": "foot"}, "1 mile is 5,280 feet."),
        (
            {"value": 60, "from": "mile per hour", "to": "kilometer per hour"},
            "60 miles per hour is 96.6 kilometers per hour.",
        ),
    ],
)
async def test_conversions_give_the_converted_value(
    skills: Skills, slots: dict[str, Slot], reply: str
) -> None:
    """pint does the arithmetic; the reply names both units in words."""
    assert await skills.handle(Intent("convert.units", slots), "u0") == reply


async def test_impossible_conversions_are_refused(skills: Skills) -> None:
    """Units of different kinds, or unknown ones, get a sentence, not an exception."""
    assert await say(skills, "convert.units", value=5, **{"from": "mile", "to": "liter"}) == (
        "I can't convert miles into liters."
    )
    assert await say(skills, "convert.units", value=5, **{"from": "dollar", "to": "euro"}) == (
        "What should I convert, and into what?"
    )

"""When alarms ring: wall times across days and daylight-saving changes, in a real zone."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from assistant.skills._alarm_schedule import (
    ScheduleError,
    first_ring,
    next_ring,
    repeat_days,
    wall_time,
)

NEW_YORK = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def test_a_time_already_past_today_rings_tomorrow() -> None:
    """7:00 said at 8:00 is tomorrow's; 9:00 is today's."""
    now = ny(2027, 6, 1, 8, 0)
    assert first_ring(time(7), None, None, now) == ny(2027, 6, 2, 7, 0)
    assert first_ring(time(9), None, None, now) == ny(2027, 6, 1, 9, 0)


def test_named_days() -> None:
    """Tomorrow, a weekday (next week when today's time passed) and an ISO date."""
    now = ny(2027, 6, 1, 8, 0)  # a Tuesday
    assert first_ring(time(7), "tomorrow", None, now) == ny(2027, 6, 2, 7, 0)
    assert first_ring(time(7), "friday", None, now) == ny(2027, 6, 4, 7, 0)
    assert first_ring(time(7), "tuesday", None, now) == ny(2027, 6, 8, 7, 0)
    assert first_ring(time(7), "2027-07-04", None, now) == ny(2027, 7, 4, 7, 0)
    with pytest.raises(ScheduleError):
        first_ring(time(7), "2027-05-01", None, now)


def test_a_wall_time_skipped_by_spring_forward_rings_an_hour_later() -> None:
    """02:30 does not exist on 14 March 2027 in New York: the alarm rings at 03:30 EDT."""
    ring = first_ring(time(2, 30), "tomorrow", None, ny(2027, 3, 13, 12, 0))
    assert ring.isoformat() == "2027-03-14T03:30:00-04:00"


def test_a_wall_time_repeated_by_fall_back_rings_once_the_first_time() -> None:
    """01:30 happens twice on 7 November 2027: the alarm is for the first (EDT) one."""
    ring = first_ring(time(1, 30), "tomorrow", None, ny(2027, 11, 6, 12, 0))
    assert ring.isoformat() == "2027-11-07T01:30:00-04:00"
    following = next_ring(time(1, 30), repeat_days("daily"), after=ring)
    assert following.isoformat() == "2027-11-08T01:30:00-05:00"


def test_repeats_pick_their_days() -> None:
    """Weekends, weekdays and named days in any order."""
    saturday = ny(2027, 6, 5, 8, 0)
    assert next_ring(time(7), repeat_days("weekdays"), after=saturday) == ny(2027, 6, 7, 7, 0)
    assert next_ring(time(9), repeat_days("weekends"), after=saturday) == ny(2027, 6, 5, 9, 0)
    days = repeat_days("wednesday,monday")
    assert next_ring(time(7), days, after=saturday) == ny(2027, 6, 7, 7, 0)


def test_bad_values_are_refused() -> None:
    """Times and repeats that mean nothing raise ScheduleError."""
    for bad in ("7", "24:00", "07:60", "7:5", "seven"):
        with pytest.raises(ScheduleError):
            wall_time(bad)
    for bad in ("", "fortnightly", "monday,funday"):
        with pytest.raises(ScheduleError):
            repeat_days(bad)

"""When an alarm rings: wall-clock times of day in a time zone, across days and DST changes.

Pure functions of a local "now"; the zone comes from the caller (the device's settings). A wall
time that does not exist on a spring-forward day (02:30) rings at the same instant as the time
one hour later would (03:30); a time that happens twice on a fall-back day rings the first time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_REPEAT_DAYS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}


class ScheduleError(ValueError):
    """A time, day or repeat that cannot be scheduled; the message says which."""


def wall_time(value: str) -> time:
    """``"07:30"`` → 07:30; ``ScheduleError`` for anything else."""
    hour, _, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ScheduleError(f"not a time of day: {value!r}")
    if not (0 <= int(hour) <= 23 and 0 <= int(minute) <= 59):
        raise ScheduleError(f"not a time of day: {value!r}")
    return time(int(hour), int(minute))


def repeat_days(repeat: str) -> frozenset[int]:
    """Weekday numbers (Monday 0) for ``daily``, ``weekdays``, ``weekends`` or ``monday,friday``."""
    if repeat in _REPEAT_DAYS:
        return _REPEAT_DAYS[repeat]
    names = [name.strip() for name in repeat.split(",") if name.strip()]
    if not names or any(name not in WEEKDAYS for name in names):
        raise ScheduleError(f"not a repeat: {repeat!r}")
    return frozenset(WEEKDAYS.index(name) for name in names)


def at(day: date, clock: time, zone: tzinfo) -> datetime:
    """``clock`` on ``day`` in ``zone``, as an aware instant (gaps move forward, folds pick the
    first)."""
    local = datetime.combine(day, clock, tzinfo=zone)
    # Round-trip through UTC: an instant that does not exist comes back as the one it maps to.
    return datetime.fromtimestamp(local.timestamp(), tz=zone)


def first_ring(clock: time, day: str | None, repeat: str | None, now: datetime) -> datetime:
    """When a newly set alarm first rings. ``day`` is ``today``, ``tomorrow``, a weekday name
    or an ISO date; a time already past on the day meant moves to the next day it can ring."""
    zone = now.tzinfo
    assert zone is not None, "now must be aware"
    if repeat is not None:
        return next_ring(clock, repeat_days(repeat), after=now)
    today = now.date()
    if day is None or day == "today":
        start = today
    elif day == "tomorrow":
        start = today + timedelta(days=1)
    elif day in WEEKDAYS:
        start = today + timedelta(days=(WEEKDAYS.index(day) - today.weekday()) % 7)
    else:
        try:
            start = date.fromisoformat(day)
        except ValueError:
            raise ScheduleError(f"not a day: {day!r}") from None
    ring = at(start, clock, zone)
    if ring > now:
        return ring
    if day in WEEKDAYS:
        return at(start + timedelta(days=7), clock, zone)
    if day is None or day == "today":
        return at(today + timedelta(days=1), clock, zone)
    raise ScheduleError(f"{day} at {clock:%H:%M} has passed")


def next_ring(clock: time, days: frozenset[int], *, after: datetime) -> datetime:
    """The first ``clock`` on one of ``days`` strictly after ``after``."""
    zone = after.tzinfo
    assert zone is not None, "after must be aware"
    day = after.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() in days:
            ring = at(candidate_day, clock, zone)
            if ring > after:
                return ring
    raise ScheduleError("no day to ring on")  # unreachable with a non-empty set of days

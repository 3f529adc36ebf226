"""Every sentence of the everyday skills (alarms, world clock, countdowns, conversions, small
talk), in one place like ``assistant.replies``, so they can be translated later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from assistant.replies import join_words, plural, sentence

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
_REPEATS = {"daily": "every day", "weekdays": "every weekday", "weekends": "every weekend"}


# --- building blocks -------------------------------------------------------------------------


def clock(moment: datetime) -> str:
    """``7:05 AM``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def long_date(day: date) -> str:
    """``Monday, June 3``."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}"


def day_phrase(day: date, today: date) -> str:
    """``today``, ``tomorrow``, ``on Monday`` within the week, else ``on Monday, June 3``."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if 1 < days < 7:
        return f"on {_WEEKDAYS[day.weekday()]}"
    return f"on {long_date(day)}"


def repeat_phrase(repeat: str) -> str:
    """``every weekday``, ``every Monday and Friday``."""
    if repeat in _REPEATS:
        return _REPEATS[repeat]
    return "every " + join_words([name.capitalize() for name in repeat.split(",")])


# --- alarms ----------------------------------------------------------------------------------


def _alarm_name(label: str | None) -> str:
    return f"{label} alarm" if label else "alarm"


def alarm_set(label: str | None, ring: datetime, now: datetime, repeat: str | None) -> str:
    when = f"{clock(ring)} {day_phrase(ring.date(), now.date())}"
    if repeat is None:
        return sentence(f"{_alarm_name(label)} set for {when}.")
    first = day_phrase(ring.date(), now.date())
    return sentence(
        f"{_alarm_name(label)} set for {clock(ring)} {repeat_phrase(repeat)}; the first rings "
        f"{first}."
    )


def alarm_need_time() -> str:
    return "What time should the alarm be for?"


def alarm_day_passed(day: str) -> str:
    return f"That time on {day} has already passed."


def alarm_exists(ring: datetime, now: datetime) -> str:
    return f"You already have an alarm for {clock(ring)} {day_phrase(ring.date(), now.date())}."


def no_alarms() -> str:
    return "You don't have any alarms."


def no_alarm_at(time_said: datetime) -> str:
    return f"You don't have an alarm for {clock(time_said)}."


def alarm_entry(label: str | None, ring: datetime, now: datetime, repeat: str | None) -> str:
    """One alarm in a list: ``gym at 6:45 AM every weekday, next tomorrow``."""
    name = f"{label} at " if label else ""
    when = day_phrase(ring.date(), now.date())
    if repeat is None:
        return f"{name}{clock(ring)} {when}"
    return f"{name}{clock(ring)} {repeat_phrase(repeat)}, next {when.removeprefix('on ')}"


def alarms(entries: Sequence[str]) -> str:
    if len(entries) == 1:
        return f"You have one alarm: {entries[0]}."
    return f"You have {len(entries)} alarms: {'; '.join(entries)}."


def which_alarm(entries: Sequence[str]) -> str:
    return f"You have {len(entries)} alarms: {'; '.join(entries)}. Which one?"


def alarm_cancelled(entry: str) -> str:
    return f"I cancelled your alarm: {entry}."


def alarms_cancelled(count: int) -> str:
    return f"I cancelled all {count} alarms." if count > 1 else "I cancelled your alarm."


def alarm_ringing(label: str | None, now: datetime) -> str:
    if label:
        return f"{sentence(label)} alarm. It's {clock(now)}."
    return f"Wake up! It's {clock(now)}."


def alarm_stopped(next_ring: datetime | None, now: datetime) -> str:
    if next_ring is None:
        return "Alarm off."
    when = day_phrase(next_ring.date(), now.date())
    return f"Alarm off. It rings again {when} at {clock(next_ring)}."


def alarm_snoozed(minutes: int, until: datetime) -> str:
    return f"Snoozed for {plural(minutes, 'minute')}, until {clock(until)}."


def nothing_ringing() -> str:
    return "No alarm is ringing."


def alarm_missed(label: str | None, due: datetime, now: datetime) -> str:
    when = day_phrase(due.date(), now.date())
    return f"Your {_alarm_name(label)} for {clock(due)} {when} went off while I was off."

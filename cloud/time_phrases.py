"""Spoken times for reminders: "in 10 minutes", "at 6 pm", "tomorrow at 9", "at noon".

Pure functions over an aware ``now`` in the user's time zone. Number words become digits first
(text2num's ``alpha2digit``), so "in ten minutes" and "at six thirty pm" work too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from text_to_num import alpha2digit

_UNITS_S = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400}
_COUNT = r"\d+(?:\.\d+)?|an?|one|half an?|a half"
_UNIT = r"(?:second|sec|minute|min|hour|hr|day)s?"
_IN = rf"in\s+(?:{_COUNT})\s+{_UNIT}(?:\s+and\s+a\s+half)?|in\s+half\s+an\s+hour"
_CLOCK = r"\d{1,2}(?:(?::|\s)\d{2})?(?:\s*(?:a\.?m\.?|p\.?m\.?|o'?clock))?|noon|midnight"
_DAY = r"today|tomorrow|tonight|this\s+(?:morning|afternoon|evening)"
WHEN = (
    rf"(?:{_IN})"
    rf"|(?:(?:{_DAY})\s+)?at\s+(?:{_CLOCK})(?:\s+(?:{_DAY}))?"
    rf"|(?:{_DAY})"
)
"""A regex (no groups) for the time part of a sentence; ``parse_when`` reads what it matched."""

_IN_RE = re.compile(
    rf"in\s+(?P<count>{_COUNT})\s+(?P<unit>{_UNIT})(?P<half>\s+and\s+a\s+half)?|in\s+half\s+an\s+hour"
)
_CLOCK_RE = re.compile(
    r"(?P<h>\d{1,2})(?:(?::|\s)(?P<m>\d{2}))?\s*(?:(?P<ampm>a\.?m\.?|p\.?m\.?)|o'?clock)?"
    r"|(?P<named>noon|midnight)"
)
_DAY_RE = re.compile(_DAY)
_AFTERNOON_DAYS = {"tonight", "this afternoon", "this evening"}
DEFAULT_HOUR = 9
"""The hour "tomorrow" means when no time is given."""


def normalize(text: str) -> str:
    """Lower case, single spaces, number words as digits, no trailing punctuation."""
    text = alpha2digit(" ".join(text.lower().split()), "en")
    return text.strip().rstrip(".!?").strip()


def parse_when(phrase: str, now: datetime) -> datetime | None:
    """The moment ``phrase`` (as matched by ``WHEN``) means, after ``now``; None if unreadable."""
    phrase = " ".join(phrase.lower().replace(",", " ").split())
    match = _IN_RE.fullmatch(phrase)
    if match:
        return now + timedelta(seconds=_duration_s(match))
    day = None
    for found in _DAY_RE.finditer(phrase):
        day = " ".join(found.group(0).split())
    clock_text = phrase.split("at ", 1)[1] if "at " in phrase else ""
    clock_text = _DAY_RE.sub("", clock_text).strip()
    if not clock_text:
        if day is None:
            return None
        return _on_day(now, day, DEFAULT_HOUR if day in {"tomorrow", "today"} else 20, 0, False)
    clock = _CLOCK_RE.fullmatch(clock_text)
    if clock is None:
        return None
    return _at_clock(clock, now, day)


def _duration_s(match: re.Match[str]) -> float:
    if match.group("count") is None:
        return 1800.0
    count = match.group("count")
    number = 0.5 if "half" in count else 1.0 if count in {"a", "an", "one"} else float(count)
    if match.group("half"):
        number += 0.5
    unit = match.group("unit").rstrip("s")
    return number * _UNITS_S[unit]


def _at_clock(clock: re.Match[str], now: datetime, day: str | None) -> datetime | None:
    if clock.group("named"):
        hour, minute, explicit = (12 if clock.group("named") == "noon" else 0), 0, True
    else:
        hour, minute = int(clock.group("h")), int(clock.group("m") or 0)
        ampm = (clock.group("ampm") or "").replace(".", "")
        explicit = bool(ampm) or hour == 0 or hour > 12
        if ampm and not 1 <= hour <= 12:
            return None
        if ampm == "pm" and hour != 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
    if hour > 23 or minute > 59:
        return None
    if day is None:
        return _next_occurrence(now, hour, minute, explicit)
    if day in _AFTERNOON_DAYS and not explicit and hour < 12:
        hour += 12
    return _on_day(now, day, hour, minute, explicit)


def _next_occurrence(now: datetime, hour: int, minute: int, explicit: bool) -> datetime:
    """The next time the clock shows hour:minute; "at 6" means 6 am or 6 pm, whichever is next."""
    candidates = [hour] if explicit else [hour % 12, hour % 12 + 12]
    options = []
    for day_offset in (0, 1):
        for candidate in candidates:
            moment = _wall_time(now + timedelta(days=day_offset), candidate, minute)
            if moment > now:
                options.append(moment)
    return min(options)


def _on_day(now: datetime, day: str, hour: int, minute: int, explicit: bool) -> datetime:
    offset = 1 if day == "tomorrow" else 0
    moment = _wall_time(now + timedelta(days=offset), hour, minute)
    if offset == 0 and moment <= now and not explicit and hour < 12:
        moment = _wall_time(now, hour + 12, minute)
    if moment <= now:
        moment = _wall_time(now + timedelta(days=1), hour, minute)
    return moment


def _wall_time(day: datetime, hour: int, minute: int) -> datetime:
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def spoken_time(moment: datetime, now: datetime) -> str:
    """How a reply says ``moment`` to someone at ``now`` (same zone): "3:15 PM", "tomorrow at…".

    A late reminder's due time can be in the past, just before midnight: "yesterday at…"."""
    clock = moment.strftime("%I:%M %p").lstrip("0")
    days = (moment.date() - now.date()).days
    if days == 0:
        return f"at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days == -1:
        return f"yesterday at {clock}"
    return f"on {moment.strftime('%A, %B')} {moment.day} at {clock}"


def late_by(lateness_s: float) -> str:
    """ "12 minutes", "2 hours", "1 day": how late, rounded to what a person would say."""
    minutes = round(lateness_s / 60)
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(lateness_s / 3600)
    if hours < 36:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = round(lateness_s / 86400)
    return f"{days} day{'s' if days != 1 else ''}"


LATE_AFTER_S = 60.0
"""A reminder sent later than this after its due time says how late it is."""


def reminder_text(text: str, due_at: datetime, now: datetime) -> str:
    """ "Reminder: stretch." or, when delivered late, "Reminder, 12 minutes late: stretch." """
    text = re.sub(r"^(?:that|about)\s+", "", text)
    lateness_s = (now - due_at).total_seconds()
    if lateness_s > LATE_AFTER_S:
        return f"Reminder, {late_by(lateness_s)} late: {text}."
    return f"Reminder: {text}."

"""Spoken times of day ("7 am", "6 30", "half past 6", "quarter to 7", "noon") → ``"HH:MM"``.

Works on text whose number words are already digits (see ``Text.digits``). A time said without
"am" or "pm" is taken as said, on a 24-hour clock: "6 30" is 06:30 and "18:30" is 18:30 — the
morning is what people mean when they set an alarm by the hour alone.
"""

from __future__ import annotations

import re

_MERIDIEM = (
    r"(?: ?(?P<mer>a\.? ?m\.?|p\.? ?m\.?|in the (?:morning|afternoon|evening)|at night|tonight"
    r"|this (?:morning|afternoon|evening)|o'clock|oclock)(?: (?:a\.? ?m\.?|p\.? ?m\.?))?)?"
)
_CLOCK = (
    r"(?P<hour>\d{1,2})(?:(?::|\.| )(?P<minute>[0-5]\d)| oh (?P<oh>\d))?"
    r"|(?P<hhmm>[01]\d[0-5]\d|2[0-3][0-5]\d)(?: hours)?"
    r"|(?P<half>half) past (?P<half_hour>\d{1,2})"
    r"|(?:a )?(?P<quarter>quarter) (?P<q_dir>past|after|to|till|before) (?P<q_hour>\d{1,2})"
    r"|(?P<mins>\d{1,2})(?: minutes?)? (?P<m_dir>past|after|to|till|before) (?P<m_hour>\d{1,2})"
)
_SPECIAL = r"(?P<special>noon|midday|midnight)"

TIME = rf"(?:(?:{_CLOCK}){_MERIDIEM}|{_SPECIAL})"
"""Regex source for a time of day, with named groups; embed it once per pattern."""
TIME_UNNAMED = re.sub(r"\?P<\w+>", "", TIME)
"""The same without group names, to embed next to other named groups."""

_TIME_RE = re.compile(TIME)
_PM = ("p", "afternoon", "evening", "night", "tonight")


def _hour_minute(match: re.Match[str]) -> tuple[int, int] | None:
    """The hour (possibly 12-hour) and minute said, before am/pm is applied."""
    if match["hour"] is not None:
        minute = match["minute"] or match["oh"] or "0"
        return int(match["hour"]), int(minute)
    if match["hhmm"] is not None:
        return int(match["hhmm"][:2]), int(match["hhmm"][2:])
    if match["half"] is not None:
        return int(match["half_hour"]), 30
    if match["quarter"] is not None:
        direction, hour, offset = match["q_dir"], int(match["q_hour"]), 15
    else:
        direction, hour, offset = match["m_dir"], int(match["m_hour"]), int(match["mins"])
        if not 0 < offset < 60:
            return None
    if direction in ("past", "after"):
        return hour, offset
    return (hour - 1) % 24 if hour != 0 else 23, 60 - offset


def clock_time(text: str) -> str | None:
    """``"HH:MM"`` (24-hour) for a whole time matched by ``TIME``; ``None`` when impossible."""
    match = _TIME_RE.fullmatch(text)
    if match is None:
        return None
    special = match["special"]
    if special is not None:
        return "00:00" if special == "midnight" else "12:00"
    said = _hour_minute(match)
    if said is None:
        return None
    hour, minute = said
    meridiem = (match["mer"] or "").replace(".", "").replace(" ", "")
    if meridiem and meridiem not in ("o'clock", "oclock"):
        if not 1 <= hour <= 12:
            return None
        pm = any(word in meridiem for word in _PM) or meridiem.startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return f"{hour:02d}:{minute:02d}"

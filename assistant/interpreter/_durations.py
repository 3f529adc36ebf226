"""Spoken durations ("1 and a half hours", "half an hour", "2 hours and 15 minutes") → seconds.

Works on text whose number words are already digits (see ``Text.digits``).
"""

from __future__ import annotations

import re

MAX_DURATION_S = 24 * 3600
"""Longer countdowns are reminders or alarms, which the cloud handles."""

_AMOUNT = (
    r"(?:(?P<num>\d+(?:\.\d+)?)(?: and (?P<frac>a half|a quarter|3 quarters))?"
    r"|(?P<one>an?)"
    r"|(?P<half>(?:a )?half(?: an?)?)"
    r"|(?P<quarter>(?:a )?quarter of an?)"
    r"|(?P<three_quarters>3 quarters of an?))"
)
_UNIT = r"(?P<unit>hours?|hrs?|minutes?|mins?|sec(?:ond)?s?|2nd)"
_COMPONENT = _AMOUNT + r" (?:more |extra )?" + _UNIT + r"(?P<post> and a half)?"
_COMPONENT_RE = re.compile(_COMPONENT)
_UNNAMED = re.sub(r"\?P<\w+>", "", _COMPONENT)

DURATION = rf"(?:{_UNNAMED})(?:(?:,| and|) (?:{_UNNAMED}))*"
"""Regex source (no groups) for a whole duration; embed it in a named group."""

_UNIT_S = {"h": 3600, "m": 60, "s": 1, "2": 1}
_FRACTIONS = {"a half": 0.5, "a quarter": 0.25, "3 quarters": 0.75}


def _component_s(match: re.Match[str]) -> float:
    if match["num"] is not None:
        amount = float(match["num"]) + _FRACTIONS.get(match["frac"] or "", 0.0)
    elif match["one"] is not None:
        amount = 1.0
    elif match["half"] is not None:
        amount = 0.5
    elif match["quarter"] is not None:
        amount = 0.25
    else:
        amount = 0.75
    if match["post"] is not None:
        amount += 0.5
    return amount * _UNIT_S[match["unit"][0]]


def duration_s(text: str) -> int | None:
    """Seconds in a duration matched by ``DURATION``; ``None`` when zero or over a day."""
    total = sum(_component_s(m) for m in _COMPONENT_RE.finditer(text))
    seconds = round(total)
    if seconds <= 0 or seconds > MAX_DURATION_S:
        return None
    return seconds

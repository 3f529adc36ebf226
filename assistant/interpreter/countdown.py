"""Countdowns to a day: "how many days until christmas", "what day is thanksgiving this year",
"how long until my birthday on june 3" → ``date.countdown`` with ``event`` and/or ``date``.

``event`` is a known holiday's canonical name (``assistant.occasions``) or a personal one
(``birthday``, ``anniversary``) that comes with a date; ``date`` is ISO: ``--06-03`` for a month
and day (the next one), ``2027-06-03`` when the year is said.
"""

from __future__ import annotations

import re

from assistant import occasions
from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {"until", "till", "til", "before", "when", "day", "date", "days", "weeks", "sleeps"}
)

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:(?:the )?(?P<d1>\d{{1,2}}){_ORD} of (?P<m1>{_MONTH})|(?P<m2>{_MONTH}) (?:the )?"
    rf"(?P<d2>\d{{1,2}}){_ORD})(?:,? (?P<year>20\d\d))?"
)
_EVENT = rf"(?P<event>{occasions.SPOKEN})"
_PERSONAL = r"(?:my |our )?(?P<personal>birthday|anniversary|wedding anniversary)"
_TARGET = (
    rf"(?:{_EVENT}(?: this year| next year)?"
    rf"|(?:{_PERSONAL}(?: on| which is on| is on| on the)? )?{_DATE})"
)
_UNTIL = r"(?:until|till|til|to|before|left until|left till|left before)"
_COUNTDOWN = compile_all(
    rf"how many (?:days|weeks|sleeps) (?:are there |are left |is it |left |remain |do i have )?"
    rf"{_UNTIL} {_TARGET}",
    rf"how long (?:is it |is left |do i have |do we have |is there |left )?{_UNTIL} {_TARGET}",
    rf"how much (?:time|longer) (?:is )?(?:left )?{_UNTIL} {_TARGET}",
    rf"(?:days|countdown|count down) (?:left )?{_UNTIL} {_TARGET}",
    rf"(?:when|what day|what date|which day) is {_EVENT}(?: this year| next year)?",
    rf"(?:{WHATS}|tell me) the date of {_EVENT}(?: this year| next year)?",
    r"when is (?:my |our )?(?:birthday|anniversary)",
)
_MONTH_PREFIXES = tuple(month[:3] for month in MONTHS)


def _iso(match: re.Match[str]) -> str | None:
    """``--MM-DD`` or ``YYYY-MM-DD`` for the date said; ``None`` when there is none or it is
    impossible (February 30)."""
    groups = match.groupdict()
    month_said, day_said = (
        groups.get("m1") or groups.get("m2"),
        groups.get("d1") or groups.get("d2"),
    )
    if month_said is None or day_said is None:
        return None
    month, day = _MONTH_PREFIXES.index(month_said[:3]) + 1, int(day_said)
    days_in = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    if not 1 <= day <= days_in:
        return None
    year = groups.get("year")
    return f"{year}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def match(text: Text) -> Intent | None:
    """``date.countdown``, or ``None``."""
    for pattern in _COUNTDOWN:
        found = pattern.fullmatch(text.digits)
        if found is None:
            continue
        groups = found.groupdict()
        date = _iso(found)
        if groups.get("personal"):
            if date is None:
                return None  # "when is my birthday": only the cloud may know
            return intent(names.DATE_COUNTDOWN, event=groups["personal"], date=date)
        if groups.get("event"):
            event = occasions.canonical(groups["event"])
            return None if event is None else intent(names.DATE_COUNTDOWN, event=event)
        if date is not None:
            return intent(names.DATE_COUNTDOWN, date=date)
    return None


GRAMMAR = phrases(
    "how many days until christmas|how long until christmas|what day is thanksgiving this year",
    "how many days until halloween|when is easter|how long until new year's eve",
    "when is thanksgiving|how many days until new year",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

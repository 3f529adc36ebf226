"""Alarms: set (a time of day, a day, a repeat, a label), list, cancel, snooze.

"Wake me up when it stops raining" names no time and stays with the cloud; "set an alarm on the
kitchen pi" is a command for another device, which normalization already sends there.
"""

from __future__ import annotations

import re

from assistant.interpreter._clock_times import TIME, TIME_UNNAMED, clock_time
from assistant.interpreter._common import DET, NAME_WORDS, clean_name, compile_all, intent
from assistant.interpreter._durations import DURATION, duration_s
from assistant.interpreter._grammar import phrases, spell
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"alarm", "alarms", "wake", "snooze"})

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAYS = rf"{_DAY}s?(?:(?:,| and|, and|) {_DAY}s?)*"
_WHEN = (
    r"(?: (?:for |on )?(?P<day>today|tomorrow|tonight|tomorrow (?:morning|night|evening)"
    rf"|this (?:morning|evening)|(?:on |this |next )?{_DAY}(?: morning)?))?"
)
_REPEAT = (
    r"(?: (?P<repeat>every ?day|daily|each day|every morning|every night"
    r"|(?:every|on|each) (?:week ?days?|work ?days?)|on week ?days|week ?days"
    r"|(?:every|on|each) (?:week ?ends?)|on week ?ends|week ?ends"
    rf"|(?:every|each) {_DAYS}|on {_DAY}s(?:(?:,| and|, and|) {_DAY}s)*))?"
)

_NOT_LABELS = frozenset(
    {"alarm", "alarms", "wake", "up", "clock", "new", "morning", "today", "tomorrow", "tonight",
     "night", "evening", "afternoon", "noon", "midnight", "midday", "every", "daily", "weekdays",
     "weekends", "weekday", "weekend", "next", "am", "pm", "half", "quarter", "past", "after",
     "till", "before", "o'clock", "oclock", *WEEKDAYS}
)  # fmt: skip
_LABEL_WORDS = rf"(?!(?:{'|'.join(sorted(_NOT_LABELS))})\b){NAME_WORDS}"
"""A label: a name whose first word is no time or day word ("for tomorrow" is not a label)."""


def _named(group: str) -> str:
    """An optional "called gym" / "for work" naming the alarm, in the group ``group``."""
    return rf"(?: (?:called|named|labeled|labelled|for|to) {DET}(?P<{group}>{_LABEL_WORDS}))?"


_LABEL, _LABEL_AFTER = _named("label1"), _named("label2")
_PRE_LABEL = rf"(?:(?P<label0>{_LABEL_WORDS}) )?"
_AT = r"(?:for |at |to |to go off at |that goes off at |set for )?"
_VERB = r"(?:(?:set|make|create|add|put|schedule|start|give me|i need|i want)(?: me| up)? )?"
_TIME = rf"(?P<time>{TIME_UNNAMED})"

_SET = compile_all(
    rf"{_VERB}{DET}{_PRE_LABEL}alarm(?: clock)?{_LABEL} {_AT}{_TIME}{_WHEN}{_REPEAT}{_LABEL_AFTER}",
    rf"{_VERB}{DET}{_PRE_LABEL}alarm(?: clock)?{_LABEL}{_WHEN}{_REPEAT} {_AT}{_TIME}{_LABEL_AFTER}",
    rf"{_VERB}{DET}{_PRE_LABEL}alarm(?: clock)?{_REPEAT} {_AT}{_TIME}{_WHEN}{_LABEL}",
    rf"(?:set (?:an |my )?alarm to )?wake me(?: up)? (?:at )?{_TIME}{_WHEN}{_REPEAT}{_LABEL}",
    rf"(?:set (?:an |my )?alarm to )?wake me(?: up)?{_WHEN}{_REPEAT} (?:at )?{_TIME}{_LABEL}",
    rf"{_TIME}{_WHEN} alarm{_REPEAT}{_LABEL}",
)
_LIST = compile_all(
    r"(?:what|which) alarms (?:do i have|have i got|are (?:set|on|there))(?: set| on)?",
    r"(?:list|show|show me|read|tell me|check)(?: me)? (?:all )?(?:of )?(?:my |the )?alarms",
    r"(?:do i have|have i got|are there) any alarms(?: set| on)?(?: for tomorrow)?",
    r"(?:when|what time) is my (?:next )?alarm(?: set(?: for)?)?(?: for)?",
    r"(?:when|what time) (?:will|does) my (?:next )?alarm (?:go off|ring)",
    r"is my alarm (?:set|on)|my alarms|alarms|what (?:is|are) my alarms?(?: set for)?",
)
_CANCEL_VERB = r"(?:cancel|delete|remove|clear|turn off|switch off|disable|stop|dismiss|kill)"
_CANCEL_ALL = compile_all(
    rf"{_CANCEL_VERB} (?:all (?:of )?(?:the |my )?|the |my )?alarms(?: set)?",
    rf"{_CANCEL_VERB} (?:every|each|all) alarm",
)
_CANCEL = compile_all(
    rf"{_CANCEL_VERB} {DET}(?:{_TIME} )?alarm(?: clock)?",
    rf"{_CANCEL_VERB} {DET}alarm(?: clock)? (?:for|at|set for) {_TIME}",
    r"(?:turn|switch) (?:the |my )?alarm off",
)
_SNOOZE = compile_all(
    rf"snooze(?: (?:the |my )?alarm)?(?: (?:for |another )?(?P<dur>{DURATION}))?",
    rf"(?:snooze|hit snooze|press snooze)(?: (?:for )?(?P<dur2>{DURATION}))?",
)


def _time_slot(match: re.Match[str]) -> str | None:
    said = match.groupdict().get("time")
    return clock_time(said) if said else None


def _day(said: str | None) -> str | None:
    """The ``date`` slot: ``today``, ``tomorrow`` or a weekday name, as said."""
    if said is None:
        return None
    if said.startswith("tomorrow"):
        return "tomorrow"
    if said in ("today", "tonight") or said.startswith("this "):
        return "today"
    return next(day for day in WEEKDAYS if day in said)


def _repeat(said: str | None) -> str | None:
    """The ``repeat`` slot: ``daily``, ``weekdays``, ``weekends`` or weekday names joined by
    commas in week order."""
    if said is None:
        return None
    squeezed = said.replace(" ", "")
    if "weekday" in squeezed or "workday" in squeezed:
        return "weekdays"
    if "weekend" in squeezed:
        return "weekends"
    days = [day for day in WEEKDAYS if day in said]
    if days:
        return ",".join(days)
    return "daily"


def _label(match: re.Match[str]) -> tuple[bool, str | None]:
    groups = match.groupdict()
    said = groups.get("label0") or groups.get("label1") or groups.get("label2")
    if said is None:
        return True, None
    label = clean_name(said)
    words = set((label or "").split())
    if label is None or words & _NOT_LABELS or words & set(WEEKDAYS):
        return False, None
    return True, label


def _set(text: str) -> Intent | None:
    for pattern in _SET:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        ok, label = _label(match)
        time = _time_slot(match)
        if not ok or time is None:
            continue
        groups = match.groupdict()
        said_day = groups.get("day") or ""
        if time < "12:00" and ("night" in said_day or "evening" in said_day):
            time = f"{int(time[:2]) + 12:02d}{time[2:]}"  # "at 8 tonight" is 20:00
        repeat = _repeat(groups.get("repeat"))
        day = None if repeat else _day(groups.get("day"))
        return intent(names.ALARM_SET, time=time, date=day, repeat=repeat, label=label)
    return None


def _cancel(text: str) -> Intent | None:
    for pattern in _CANCEL:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        said = match.groupdict().get("time")
        time = clock_time(said) if said else None
        if said and time is None:
            continue
        return intent(names.ALARM_CANCEL, time=time)
    return None


def _snooze(text: str) -> Intent | None:
    for pattern in _SNOOZE:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        said = match.groupdict().get("dur") or match.groupdict().get("dur2")
        if said is None:
            return intent(names.ALARM_SNOOZE)
        seconds = duration_s(said)
        if seconds is None or seconds % 60 or seconds > 3600:
            return None
        return intent(names.ALARM_SNOOZE, minutes=seconds // 60)
    return None


def match(text: Text) -> Intent | None:
    """An alarm intent, or ``None``."""
    lower = text.lower
    if any(p.fullmatch(lower) for p in _CANCEL_ALL):
        return intent(names.ALARM_CANCEL, all=True)
    if any(p.fullmatch(lower) for p in _LIST):
        return intent(names.ALARM_LIST)
    digits = text.digits
    return _snooze(digits) or _cancel(digits) or _set(digits)


__all__ = ["TIME", "TRIGGERS", "WEEKDAYS", "match"]


def _numbered() -> list[str]:
    said: list[str] = []
    for hour in range(1, 13):
        for meridiem in ("am", "pm"):
            said += [
                f"set an alarm for {spell(hour)} {meridiem}",
                f"wake me up at {spell(hour)} {meridiem}",
                f"set an alarm for {spell(hour)} thirty {meridiem}",
                f"cancel my {spell(hour)} {meridiem} alarm",
            ]
        said += [f"set an alarm for {spell(hour)} {meridiem} tomorrow" for meridiem in ("am", "pm")]
    return said + [f"snooze for {spell(n)} minutes" for n in (5, 10, 15)]


GRAMMAR = (
    *phrases(
        "what alarms do i have|when is my alarm|list my alarms|cancel the alarm|cancel all alarms",
        "delete all alarms|turn off the alarm|stop the alarm|snooze|snooze the alarm",
    ),
    *_numbered(),
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

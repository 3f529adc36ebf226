"""Timers: start, cancel, pause, resume, status, adjust."""

from __future__ import annotations

import re

from assistant.interpreter._common import DET, NAME_WORDS, WHATS, clean_name, compile_all, intent
from assistant.interpreter._durations import DURATION, duration_s
from assistant.interpreter._grammar import phrases, spell
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {"timer", "timers", "countdown", "left", "remaining", "longer", "more", "extra"}
)

_T = r"(?:timer|countdown)"
_N1 = rf"(?:(?P<name1>{NAME_WORDS}) )?"
_N2 = rf"(?: (?:called|named|labeled|labelled|for) {DET}(?P<name2>{NAME_WORDS}))?"
# A timer may be named by its length ("cancel the 10 minute timer"); the length is not a slot
# and is dropped: the executor resolves "the timer" as it does for an unnamed one.
_TIMER = rf"{DET}(?:(?:{DURATION}) )?{_N1}timers?{_N2}"
"""``the pasta timer`` / ``my timer for the pasta`` with the name in name1 or name2."""
_DUR = rf"(?P<dur>{DURATION})"
_START_VERB = r"(?:(?:set|start|create|make|put on|begin|run|give me|i need|i want)(?: me)? )?"

_START = compile_all(
    rf"{_START_VERB}{DET}{_N1}{_T} (?:for |of |at )?{_DUR}{_N2}",
    rf"{_START_VERB}{DET}{_DUR} {_N1}{_T}{_N2}",
    rf"{_START_VERB}{DET}{_T}{_N2} (?:for |of )?{_DUR}",
)
_CANCEL_VERB = (
    r"(?:cancel|stop|delete|remove|clear|end|kill|turn off|switch off|dismiss|silence|abort)"
)
_CANCEL_ALL = compile_all(
    rf"{_CANCEL_VERB} (?:all (?:of )?(?:the |my )?|both (?:of )?(?:the |my )?|the |my )?timers",
    rf"{_CANCEL_VERB} (?:every|each) timer",
)
_CANCEL = compile_all(rf"{_CANCEL_VERB} {_TIMER}")
_PAUSE = compile_all(rf"(?:pause|hold|freeze|suspend) {_TIMER}", rf"put {_TIMER} on hold")
_RESUME = compile_all(
    rf"(?:resume|unpause|un pause|continue) {_TIMER}", rf"(?:start|restart) {_TIMER} again"
)
_STATUS = compile_all(
    r"how (?:much (?:time|longer)|long) (?:is |do i have |have i got |do we have )?"
    rf"(?:left|remaining|to go)(?: on {_TIMER})?",
    rf"how much longer(?: on {_TIMER})?",
    rf"(?:how much )?time (?:is )?(?:left|remaining) on {_TIMER}",
    rf"{WHATS} (?:left|remaining) on {_TIMER}",
    rf"(?:check|check on|show|show me|get) {_TIMER}(?: status)?",
    rf"{_TIMER} status",
    rf"status of {_TIMER}",
    rf"how(?:'s| is) {_TIMER}(?: doing| going| coming along)?",
    rf"when (?:will|does) {_TIMER} (?:go off|finish|end|ring)",
    rf"how long (?:until|till|before) {_TIMER} (?:goes off|is done|finishes|ends|rings)",
    r"what timers (?:do i have|are (?:running|set|there))|(?:list|show) (?:me )?(?:all )?"
    r"(?:my |the )?timers|(?:are there|do i have) any timers(?: running| set)?",
)
_ADJUST_ADD = compile_all(
    rf"(?:add|put) {_DUR} (?:to|on) {_TIMER}",
    rf"(?:add|give it|give me) (?P<more>{_DUR})(?: (?:to|on) {_TIMER})?",
    rf"(?:extend|increase|lengthen) {_TIMER} by {_DUR}",
)
_ADJUST_SUB = compile_all(
    rf"(?:take|remove|subtract|knock) {_DUR} (?:off|from|off of) {_TIMER}",
    rf"(?:decrease|reduce|shorten|cut) {_TIMER} by {_DUR}",
)


def _name(match: re.Match[str]) -> tuple[bool, str | None]:
    """Whether the name groups are acceptable, and the name if one was said."""
    groups = match.groupdict()
    said = groups.get("name1") or groups.get("name2")
    name = clean_name(said)
    return said is None or name is not None, name


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    for pattern in patterns:
        match = pattern.fullmatch(text)
        if match is not None and _name(match)[0]:
            return match
    return None


def _start(text: str) -> Intent | None:
    match = _first(_START, text)
    if match is None or (seconds := duration_s(match["dur"])) is None:
        return None
    return intent(names.TIMER_START, duration_s=seconds, name=_name(match)[1])


def _adjust(text: str) -> Intent | None:
    sign, match = 1, _first(_ADJUST_ADD, text)
    # "add 2 minutes" alone is too vague; "add 2 more minutes" is about the running timer.
    if (
        match is not None
        and match.groupdict().get("more") is not None
        and not ({"more", "extra"} & set(match["more"].split()))
        and "timer" not in text
    ):
        match = None
    if match is None:
        sign, match = -1, _first(_ADJUST_SUB, text)
    if match is None or (seconds := duration_s(match["dur"])) is None:
        return None
    return intent(names.TIMER_ADJUST, delta_s=sign * seconds, name=_name(match)[1])


def _simple(name: str, patterns: tuple[re.Pattern[str], ...], text: str) -> Intent | None:
    match = _first(patterns, text)
    if match is None:
        return None
    return intent(name, name=_name(match)[1])


def match(text: Text) -> Intent | None:
    """A timer intent, or ``None``."""
    lower = text.lower
    if any(p.fullmatch(lower) for p in _CANCEL_ALL):
        return intent(names.TIMER_CANCEL, all=True)
    return (
        _adjust(text.digits)
        or _simple(names.TIMER_CANCEL, _CANCEL, text.digits)
        or _simple(names.TIMER_PAUSE, _PAUSE, text.digits)
        or _simple(names.TIMER_RESUME, _RESUME, text.digits)
        or _simple(names.TIMER_STATUS, _STATUS, text.digits)
        or _start(text.digits)
    )


def _numbered() -> list[str]:
    said: list[str] = []
    for n in range(1, 61):
        unit = "minute" if n == 1 else "minutes"
        said += [f"set a timer for {spell(n)} {unit}", f"{spell(n)} minute timer"]
    said += [f"set a timer for {spell(n)} seconds" for n in (5, 10, 15, 20, 30, 40, 45, 50, 90)]
    said += [f"set a timer for {spell(n)} {'hour' if n == 1 else 'hours'}" for n in range(1, 13)]
    for n in range(1, 11):
        unit = "minute" if n == 1 else "minutes"
        said += [f"add {spell(n)} {unit} to the timer", f"add {spell(n)} more {unit}"]
    return said


GRAMMAR = (
    *phrases(
        "set a timer for half an hour|set a timer for an hour|set a timer for a minute",
        "set a timer for an hour and a half|set a timer for a minute and a half|cancel the timer",
        "stop the timer|cancel all timers|stop all timers|delete the timer|pause the timer",
        "pause my timer|resume the timer|resume my timer|continue the timer|how much time is left",
        "how much time is left on the timer|how long is left on the timer|timer status",
        "what timers do i have|how much longer",
    ),
    *_numbered(),
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

"""Clock: the time now and today's date. "What time is it in Tokyo" is not local."""

from __future__ import annotations

from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"time", "date", "day", "today", "today's", "month", "year", "hour"})

_NOW = r"(?: now| right now)?"
_TIME = compile_all(
    rf"(?:what|{WHATS}) time is it{_NOW}",
    rf"(?:{WHATS}|tell me|give me|check) the (?:current )?time{_NOW}",
    rf"(?:tell me |do you know |can you tell me )what time it is{_NOW}",
    r"(?:do you have|have you got|got) the time",
    r"(?:the |current )?time(?: check| now)?|what hour is it|what time do you have",
)
_TODAY = r"(?: today| is it| is it today| it is)?"
_DATE = compile_all(
    rf"{WHATS} (?:the |today's |todays |the current )?date{_TODAY}",
    rf"what date is it{_TODAY}|(?:tell me|give me|check) (?:the |today's |todays |the current )date"
    r"(?: today)?",
    rf"(?:what|which) day (?:is it|is today|of the week is it){_TODAY}",
    rf"{WHATS} (?:the )?day{_TODAY}|{WHATS} today|what's today's date",
    r"(?:today's |the )?date(?: today)?|what (?:month|year) is it(?: now)?",
)


def match(text: Text) -> Intent | None:
    """``time.now`` or ``date.today``, or ``None``."""
    lower = text.lower
    if any(p.fullmatch(lower) for p in _TIME):
        return intent(names.TIME_NOW)
    if any(p.fullmatch(lower) for p in _DATE):
        return intent(names.DATE_TODAY)
    return None


GRAMMAR = phrases(
    "what time is it|what's the time|tell me the time|what time is it now",
    "what's the current time|what's the date|what's today's date|what day is it",
    "what day is it today|what is the date today",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

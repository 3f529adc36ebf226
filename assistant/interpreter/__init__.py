"""The edge's local intent interpreter: text → ``Intent`` or ``None`` ("not mine, ask the cloud").

Every domain is a table of anchored, precompiled full-utterance patterns; a cheap keyword check
skips domains that cannot match. Text that merely contains a local keyword is never captured.
"""

from __future__ import annotations

import inspect
from functools import cache

from assistant import gazetteer
from assistant.interpreter import (
    alarms,
    calculator,
    clock,
    control,
    conversions,
    countdown,
    keyboard,
    lists,
    media,
    notes,
    phrases,
    small_talk,
    system,
    timers,
    tips,
    volume,
    weather,
    world_clock,
)
from assistant.interpreter import home as home_domain
from assistant.interpreter._common import Matcher
from assistant.interpreter._text import normalize
from models import Intent

__all__ = ["grammar_phrases", "grammar_words", "interpret", "warm"]

_ANY: frozenset[str] = frozenset()
"""Domains with this trigger set are always tried (their first check is cheap)."""

_DOMAINS: tuple[tuple[frozenset[str], Matcher], ...] = (
    (phrases.TRIGGERS, phrases.match),
    (clock.TRIGGERS, clock.match),
    (timers.TRIGGERS, timers.match),
    (alarms.TRIGGERS, alarms.match),
    (volume.TRIGGERS, volume.match),
    (media.TRIGGERS, media.match),
    (system.TRIGGERS, system.match),
    (notes.TRIGGERS, notes.match),
    (lists.TRIGGERS, lists.match),
    (world_clock.TRIGGERS, world_clock.match),
    (countdown.TRIGGERS, countdown.match),
    (conversions.TRIGGERS, conversions.match),
    (small_talk.TRIGGERS, small_talk.match),
    (tips.TRIGGERS, tips.match),
    (_ANY, control.match),
    (keyboard.TRIGGERS, keyboard.match),
    (_ANY, calculator.match),
    (weather.TRIGGERS, weather.match),
)


def warm() -> None:
    """Load the data some templates consult (the place gazetteer, ~0.2 s) and the phrase table
    a misheard command is repaired with (~0.3 s) so that the first utterance is understood as
    fast as the rest. Blocking: call it off the event loop."""
    from assistant.interpreter.spoken import warm as warm_repair

    gazetteer.load()
    warm_repair()


def interpret(text: str, *, home: frozenset[str] | None = None) -> Intent | None:
    """The local intent ``text`` asks for, or ``None`` when the cloud should handle it.

    ``home`` is given when this edge has a Home Assistant: the words of its entities' names and
    rooms (possibly none yet). Only then are house commands ("turn off the kitchen light") local.
    """
    utterance = normalize(text)
    if utterance is None:
        return None
    words = utterance.words
    for triggers, match in _DOMAINS:
        if triggers and triggers.isdisjoint(words):
            continue
        found = match(utterance)
        if found is not None:
            return found
    if home is not None and not (home.isdisjoint(words) and home_domain.TRIGGERS.isdisjoint(words)):
        return home_domain.match(utterance, home)
    return None


@cache
def _phrases() -> tuple[str, ...]:
    """Each domain's ``GRAMMAR``, read from the module its matcher is in: a domain added to
    ``_DOMAINS`` brings its phrases with it. Free-text domains have none."""
    modules = (inspect.getmodule(match) for _, match in _DOMAINS)
    found = (phrase for module in modules for phrase in getattr(module, "GRAMMAR", ()))
    return tuple(dict.fromkeys(found))


def grammar_phrases() -> list[str]:
    """Lowercase phrases, numbers as words, each of which ``interpret`` turns into an intent."""
    return list(_phrases())


def grammar_words() -> list[str]:
    """The sorted, unique vocabulary of ``grammar_phrases()``."""
    return sorted({word for phrase in _phrases() for word in phrase.split()})

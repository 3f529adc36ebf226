"""The time in another place: "what time is it in Tokyo" → ``time.in_zone`` with ``place``.

Only places the gazetteer knows are captured ("what time is it in the game" goes to the cloud),
and the ``place`` slot is the gazetteer's spelling ("new york" → "New York City").
"""

from __future__ import annotations

from assistant import gazetteer
from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"time"})

_PLACE = r"(?P<place>[a-z][a-z'.]*(?: [a-z][a-z'.]*){0,3}?)"
_NOW = r"(?: right now| now| currently| at the moment)?"
_IN_ZONE = compile_all(
    rf"(?:what|{WHATS}) time is it{_NOW} (?:in|over in|out in) {_PLACE}{_NOW}",
    rf"(?:what|{WHATS}) (?:the )?(?:current |local )?time (?:is it )?(?:in|for) {_PLACE}{_NOW}",
    rf"(?:tell me |give me |check )?(?:the )?(?:current |local )?time in {_PLACE}{_NOW}",
    rf"(?:do you know |can you tell me )?what time it is in {_PLACE}{_NOW}",
)
_NOT_PLACES = frozenset({"here", "there", "this room", "the room", "my room", "the kitchen"})


def match(text: Text) -> Intent | None:
    """``time.in_zone`` for a known place, or ``None``."""
    for pattern in _IN_ZONE:
        found = pattern.fullmatch(text.lower)
        if found is None or found["place"] in _NOT_PLACES:
            continue
        place = gazetteer.find(found["place"])
        if place is not None:
            return intent(names.TIME_IN_ZONE, place=place.name)
    return None


_CITIES = (
    "tokyo", "london", "paris", "new york", "los angeles", "chicago", "sydney", "berlin",
    "moscow", "beijing", "dubai", "mumbai", "singapore", "hong kong", "toronto", "mexico city",
)  # fmt: skip

GRAMMAR = tuple(
    phrase
    for city in _CITIES
    for phrase in (f"what time is it in {city}", f"what's the time in {city}")
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

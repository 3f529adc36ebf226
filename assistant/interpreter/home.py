"""The house through Home Assistant: switch things on and off, set a light's level, read a state.

Tried only when this edge has a Home Assistant (``interpret(text, home=words)``): without one,
"turn on the lights" stays the cloud's, as before. The slots hold what was said ("kitchen
light"), not an entity id: the skill matches names against the house it knows, and asks back
rather than guessing. A target is captured only when it names a kind of thing a house has
(a light, a fan, a door) or a word of the house's own names and rooms, so "turn on the radio
on the laptop" or "open spotify" are never taken.
"""

from __future__ import annotations

import re

from assistant.interpreter._common import compile_all, intent
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

HOUSE_NOUNS = frozenset(
    {"light", "lights", "lamp", "lamps", "lighting", "bulb", "bulbs", "fan", "fans", "switch"}
    | {"switches", "plug", "plugs", "socket", "outlet", "heater", "heating", "door", "doors"}
    | {"garage", "gate", "blinds", "shades", "curtains", "shutters", "lock", "ceiling", "porch"}
)
"""Words that name a kind of thing Home Assistant switches; a target needs one (or a word of
the house's own names)."""
TRIGGERS = frozenset(
    {"turn", "switch", "dim", "brighten", "set", "is", "are", "open", "close", "shut", "put"}
    | {"what's", "whats", "what", "bring", "lights", "light"}
)
_OPENABLE = frozenset({"door", "doors", "garage", "gate", "blinds", "shades", "curtains"}) | {
    "shutters"
}
_DET = r"(?:(?:the|my|our|all the|all|all of the) )?"
_TARGET = r"(?P<target>[a-z][a-z' ]*?)"
_AREA = r"(?: (?:in|on) (?:the |my |our )?(?P<area>[a-z][a-z' ]*?))?"
_LEVEL = r"(?P<level>\d+)(?: percent|%| %)?"

_ON_OFF = compile_all(
    rf"(?:turn|switch|put)(?: back)? (?P<state>on|off) {_DET}{_TARGET}{_AREA}",
    rf"(?:turn|switch|put) {_DET}{_TARGET}(?: back)? (?P<state>on|off){_AREA}",
    rf"(?:turn|switch|put) {_DET}{_TARGET}{_AREA}(?: back)? (?P<state>on|off)",
    # "kitchen lights off": bare, only for the plainest things.
    rf"{_DET}(?P<target>(?:[a-z']+ ){{0,2}}(?:lights?|lamps?|fans?)){_AREA} (?P<state>on|off)",
)
_OPEN_CLOSE = compile_all(rf"(?P<verb>open|close|shut) {_DET}{_TARGET}{_AREA}")
_LEVEL_SET = compile_all(
    rf"(?P<verb>dim|brighten|set|turn|bring|put) {_DET}{_TARGET}{_AREA} (?:up |down )?(?:to|at) "
    rf"{_LEVEL}",
    rf"(?P<verb>dim|brighten|set|turn|bring|put) {_DET}{_TARGET} (?:up |down )?(?:to|at) "
    rf"{_LEVEL}{_AREA}",
)
_STATE = compile_all(
    rf"(?:is|are) {_DET}{_TARGET}{_AREA} (?P<asked>on|off|open|closed|shut|locked|unlocked)"
    rf"(?: or (?:on|off|open|closed|shut|locked|unlocked))?",
    rf"(?:what's|whats|what is) the (?:state|status) of {_DET}{_TARGET}{_AREA}",
)
_NOT_TARGETS = frozenset({"it", "them", "this", "that", "everything", "all"})
_SPLIT = re.compile(r"[ ']+")


def _names_the_house(target: str, area: str | None, known: frozenset[str]) -> bool:
    words = set(_SPLIT.split(target)) | set(_SPLIT.split(area or ""))
    return not words.isdisjoint(HOUSE_NOUNS) or not words.isdisjoint(known)


def _slots(
    groups: dict[str, str | None], known: frozenset[str], *, verb_says_light: bool = False
) -> dict[str, str] | None:
    target = (groups.get("target") or "").strip()
    area = (groups.get("area") or "").strip() or None
    if not target or target in _NOT_TARGETS:
        return None
    if not verb_says_light and not _names_the_house(target, area, known):
        return None
    slots = {"entity": target}
    if area is not None:
        slots["area"] = area
    return slots


def _on_off(text: str, known: frozenset[str]) -> Intent | None:
    for pattern in _ON_OFF:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        slots = _slots(found.groupdict(), known)
        if slots is not None:
            name = names.HOME_TURN_ON if found["state"] == "on" else names.HOME_TURN_OFF
            return intent(name, **slots)
    for pattern in _OPEN_CLOSE:
        found = pattern.fullmatch(text)
        if found is None or _OPENABLE.isdisjoint(_SPLIT.split(found["target"])):
            continue
        slots = _slots(found.groupdict(), known)
        if slots is not None:
            name = names.HOME_TURN_ON if found["verb"] == "open" else names.HOME_TURN_OFF
            return intent(name, **slots)
    return None


def _level(text: str, known: frozenset[str]) -> Intent | None:
    for pattern in _LEVEL_SET:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        level = int(found["level"])
        # "dim the living room to 30": dimming is only ever a light's.
        slots = _slots(
            found.groupdict(), known, verb_says_light=found["verb"] in ("dim", "brighten")
        )
        if slots is not None and 0 <= level <= 100:
            return intent(names.HOME_SET_LEVEL, level=level, **slots)
    return None


def _state(text: str, known: frozenset[str]) -> Intent | None:
    for pattern in _STATE:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        slots = _slots(found.groupdict(), known)
        if slots is not None:
            return intent(names.HOME_STATE, **slots)
    return None


def match(text: Text, known: frozenset[str] = frozenset()) -> Intent | None:
    """A house intent, or ``None``; ``known`` holds the words of the house's names and rooms."""
    lower = text.lower
    return _level(text.digits, known) or _on_off(lower, known) or _state(lower, known)

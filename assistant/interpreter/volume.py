"""Volume: set a level, step up or down, mute and unmute."""

from __future__ import annotations

from assistant.interpreter._common import HERE, MEDIA_THING, compile_all, intent
from assistant.interpreter._grammar import phrases, spell
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {"volume", "sound", "audio", "louder", "quieter", "softer", "up", "down", "mute", "unmute"}
    | {"un", "max", "maximum", "half"}
)
DEFAULT_STEP = 10
"""Percentage points for a plain "turn it up"."""
SMALL_STEP = 5
"""For "a little louder"."""
LARGE_STEP = 20
"""For "turn it up a lot"."""

_VOL = r"(?:the )?(?:volume|sound|audio)(?: level)?"
_LEVEL = r"(?P<level>\d+|max|maximum|full|min|minimum|half)(?: percent|%| %)?"
_NAMED_LEVELS = {"max": 100, "maximum": 100, "full": 100, "min": 0, "minimum": 0, "half": 50}
_SET = compile_all(
    rf"(?:(?:set|change|turn|put|adjust|make|bring) )?{_VOL} (?:to |at )?{_LEVEL}",
    # With "up"/"down" a "to" is needed: "turn the volume up 5" is a step, not a level.
    rf"(?:(?:set|change|turn|put|adjust|make|bring) )?{_VOL} (?:up|down) to {_LEVEL}",
    rf"(?:turn|bring|put) (?:up |down )?(?:it|{_VOL}) (?:up |down )?to {_LEVEL}",
    r"(?P<level>\d+|max|maximum|full|half)(?: percent|%| %)? volume",
)
_AMOUNT = (
    r"(?: (?:by )?(?P<by>\d+)(?: percent|%| %| points?)?"
    r"| (?P<small>a (?:little|bit|tad)(?: bit)?|slightly|a notch)"
    r"| (?P<large>a lot|way up|way down))?"
)
# Not "the tv": a TV is another device, which the cloud routes to.
_OBJECT = r"(?:it|(?:the )?(?:volume|sound|music|audio))"
_UP, _DOWN = r"(?P<up>up)", r"(?P<down>down)"
_CHANGE = compile_all(
    rf"(?:turn|crank|bring|pump|push|put|move)(?: {_OBJECT})? (?:{_UP}|{_DOWN})"
    rf"(?: {_OBJECT})?{_AMOUNT}",
    rf"{_VOL} (?:{_UP}|{_DOWN}){_AMOUNT}",
    rf"(?:{_UP}|{_DOWN}) {_VOL}",
    rf"(?:(?P<iup>increase|raise|boost)|(?P<idown>decrease|lower|reduce|drop)) {_VOL}{_AMOUNT}",
    r"(?:(?:make it|make the (?:music|sound|volume)|speak|talk|go) )?"
    r"(?:(?:(?P<small>a (?:little|bit|tad)(?: bit)?|slightly)|(?P<large>much|a lot|way)) )?"
    r"(?:(?P<louder>louder)|(?P<quieter>quieter|softer))",
)
_THING = rf"(?:volume|sound|speakers?|it|yourself|everything|{MEDIA_THING})"
_MUTE = compile_all(
    rf"mute(?: (?:the |your |my |our )?{_THING})?{HERE}",
    r"(?:turn|switch) (?:off the (?:sound|volume|audio)|the (?:sound|volume|audio) off)",
    r"sound off",
)
_UNMUTE = compile_all(
    rf"un ?mute(?: (?:the |your |my |our )?{_THING})?{HERE}",
    r"(?:turn|switch) (?:on the (?:sound|volume|audio)|the (?:sound|volume|audio) (?:back )?on)",
    r"sound (?:back )?on",
)


def _set(text: str) -> Intent | None:
    for pattern in _SET:
        match = pattern.fullmatch(text)
        if match is not None:
            raw = match["level"]
            level = _NAMED_LEVELS[raw] if raw in _NAMED_LEVELS else int(raw)
            # Out-of-range levels are clamped: "volume 150" clearly means "as loud as it goes".
            return intent(names.VOLUME_SET, level=min(level, 100))
    return None


def _step(groups: dict[str, str | None]) -> int:
    if groups.get("by") is not None:
        return int(groups["by"] or 0)
    if groups.get("small") is not None:
        return SMALL_STEP
    if groups.get("large") is not None:
        return LARGE_STEP
    return DEFAULT_STEP


def _change(text: str) -> Intent | None:
    for pattern in _CHANGE:
        match = pattern.fullmatch(text)
        if match is not None:
            groups = match.groupdict()
            up = any(groups.get(key) for key in ("up", "iup", "louder"))
            step = _step(groups)
            if step <= 0 or step > 100:
                return None
            return intent(names.VOLUME_CHANGE, delta=step if up else -step)
    return None


def match(text: Text) -> Intent | None:
    """A volume intent, or ``None``."""
    lower = text.lower
    if any(p.fullmatch(lower) for p in _MUTE):
        return intent(names.VOLUME_MUTE)
    if any(p.fullmatch(lower) for p in _UNMUTE):
        return intent(names.VOLUME_UNMUTE)
    return _change(lower) or _set(text.digits) or _change(text.digits)


GRAMMAR = (
    *phrases(
        "volume up|volume down|turn it up|turn it down|turn the volume up",
        "turn the volume down|louder",
        "quieter|turn it up a lot|turn it down a lot|a little louder|a little quieter|mute|unmute",
        "mute the sound|unmute the sound|max volume|set the volume to maximum",
    ),
    *(f"set the volume to {spell(n)}" for n in range(101)),
    *(f"volume {spell(n)}" for n in range(0, 101, 10)),
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

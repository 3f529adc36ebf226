"""How people ask for the weather, read the same way on the edge and in the cloud.

"what's the weather", "will it rain tomorrow in lisbon", "weather this weekend": the whole
sentence must be a weather request (anchored patterns), so "wake me up when it stops raining"
or "search the web for weather apps" are never taken for one. The result names the catalogue
intent (``weather.current`` or ``weather.forecast``) and its slots: ``place`` as said (absent:
the device's own place) and ``when`` (see ``models.weather.WHEN_VALUES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models import intent_names as names
from models.weather import WEEKDAYS

_PARTS = r"(?: (?:morning|afternoon|evening|night))?"
_WHEN: tuple[tuple[str, str], ...] = (
    ("now", r"(?:right )?now|currently|at the moment"),
    ("today", r"today|tonight|later(?: today)?|this (?:morning|afternoon|evening)"),
    ("tomorrow", rf"tomorrow{_PARTS}"),
    ("weekend", r"(?:this|on the|over the|for the|at the|the) weekend|this coming weekend"),
    *((day, rf"(?:(?:on|this|next|coming|this coming) )?{day}{_PARTS}") for day in WEEKDAYS),
)
_WHEN_ALTERNATIVES = "|".join(f"(?P<{value}>{pattern})" for value, pattern in _WHEN)
_WHEN_WORDS = frozenset(
    {"now", "today", "tonight", "tomorrow", "weekend", "morning", "afternoon", "evening", "night"}
    | set(WEEKDAYS)
)
_NOT_PLACE = (
    r"(?!(?:" + "|".join(sorted(_WHEN_WORDS)) + r"|on|this|next|coming|right|currently|later"
    r"|the weekend)\b)"
)
"""A place starts with none of the words that say when."""
_PLACE_WORD = rf"{_NOT_PLACE}[a-z][a-z'.]*"
_PLACE = rf"(?:in|for|at|around|near) (?P<place>{_PLACE_WORD}(?: {_PLACE_WORD}){{0,3}})"
_HERE = r"(?: (?:out|outside|outdoors|out there|here|around here))?"
_TAIL = (
    rf"{_HERE}(?:(?: {_PLACE})?(?: (?:for )?(?:{_WHEN_ALTERNATIVES}))?"
    rf"|(?: (?:for )?(?:{_WHEN_ALTERNATIVES.replace('?P<', '?P<w2_')}))"
    rf"(?: {_PLACE.replace('?P<', '?P<p2_')}))"
    rf"{_HERE}"
)
_WHATS = r"(?:what's|whats|what is|how's|hows|how is)"
_NOW_HEADS = (
    rf"{_WHATS} (?:the )?weather(?: like)?",
    rf"{_WHATS} it like(?: out| outside)",
    r"(?:tell me|give me|check|get|show me|read me)(?: the)? (?:current )?weather",
    r"(?:the )?(?:current )?weather(?: report| update| conditions)?",
    r"is it (?:raining|snowing|sunny|cloudy|windy|foggy|cold|hot|warm|freezing)",
    rf"{_WHATS} the (?:current )?temperature",
    r"how (?:hot|cold|warm) is it",
)
_LATER_HEADS = (
    r"(?:what|how) will the weather be(?: like)?",
    rf"{_WHATS} the weather (?:going to|gonna) be(?: like)?",
    rf"{_WHATS} the (?:weather )?forecast(?: like)?",
    r"(?:tell me|give me|check|get|show me|read me)(?: the)? (?:weather )?forecast",
    r"(?:the )?(?:weather )?forecast",
    r"(?:will|is) it (?:going to |gonna )?(?:rain|snow|be (?:sunny|cloudy|windy|cold|hot|warm"
    r"|nice|rainy|snowy|stormy|freezing|foggy))",
    r"(?:do|will|should) i need an? (?:umbrella|coat|jacket|raincoat)",
    r"how (?:hot|cold|warm) (?:will it be|is it going to be)",
    rf"{_WHATS} the temperature (?:going to|gonna) be",
)
_NOW = re.compile(rf"(?:{'|'.join(_NOW_HEADS)}){_TAIL}")
_LATER = re.compile(rf"(?:{'|'.join(_LATER_HEADS)}){_TAIL}")
_FILLER_START = re.compile(
    r"^(?:(?:hey|hi|ok|okay) jarvis|jarvis|please|(?:can|could|would) you(?: please)?"
    r"(?: tell me)?|so|um|uh) "
)
_FILLER_END = re.compile(r" (?:please|jarvis|for me|thanks|thank you)$")
_PUNCTUATION = re.compile(r"[,;:!?\"“”]|\.(?=\s|$)")
TRIGGERS = frozenset(
    {
        "weather", "forecast", "rain", "raining", "snow", "snowing", "umbrella", "coat",
        "jacket", "raincoat", "temperature", "sunny", "cloudy", "windy", "foggy", "hot",
        "cold", "warm", "freezing", "nice", "rainy", "snowy", "stormy", "outside",
    }
)  # fmt: skip
"""Words one of which every weather request holds (a cheap check before the patterns)."""


@dataclass(frozen=True, slots=True)
class WeatherRequest:
    intent: str
    """``weather.current`` or ``weather.forecast``."""
    place: str | None
    """Lowercase, as said ("new york"); None: where the device is."""
    when: str | None
    """One of ``models.weather.WHEN_VALUES`` except ``now``; None: now (current) or today."""

    @property
    def slots(self) -> dict[str, str]:
        return {key: value for key, value in (("place", self.place), ("when", self.when)) if value}


def parse_weather(text: str) -> WeatherRequest | None:
    """The weather request ``text`` is, or None. Case, punctuation and a polite frame
    ("hey jarvis", "please", "can you tell me") do not matter."""
    lower = _PUNCTUATION.sub(" ", text.lower().replace("’", "'"))
    lower = " ".join(lower.split())
    while True:
        stripped = _FILLER_END.sub("", _FILLER_START.sub("", lower))
        if stripped == lower:
            break
        lower = stripped
    if TRIGGERS.isdisjoint(lower.split()):
        return None
    for pattern, later in ((_NOW, False), (_LATER, True)):
        match = pattern.fullmatch(lower)
        if match is not None:
            return _request(match, later=later)
    return None


def _request(match: re.Match[str], *, later: bool) -> WeatherRequest | None:
    found = {key.removeprefix("w2_").removeprefix("p2_"): value for key, value in
             match.groupdict().items() if value is not None}  # fmt: skip
    place = found.pop("place", None)
    if place is not None and (_WHEN_WORDS & set(place.split()) or place in {"the", "it"}):
        return None  # "in the morning": a time of day, not a place
    when = next(iter(found), None)
    if when == "now":
        when = None
        later = False
    intent = names.WEATHER_FORECAST if later or when is not None else names.WEATHER_CURRENT
    return WeatherRequest(intent=intent, place=place, when=when)

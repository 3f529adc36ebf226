"""Days people count down to: spoken names → a canonical event → the ``holidays`` entry.

The interpreter needs the names without importing ``holidays`` (a second to load); the
countdown skill finds the event's date in the ``holidays`` calendar of the device's country,
then the United States' (which lists the unofficial days too: Halloween, Mother's Day…).
"""

from __future__ import annotations

import re

EVENTS: dict[str, tuple[str, str]] = {
    # canonical: (spoken, regex), (name in the holidays calendar, lowercase, a prefix)
    "christmas": (r"christmas(?: day)?|xmas", "christmas day"),
    "christmas eve": (r"christmas eve", "christmas eve"),
    "new year": (r"(?:the )?new years?(?: day)?|new year's(?: day)?", "new year's day"),
    "new year's eve": (r"new year'?s eve|new years eve", "new year's eve"),
    "thanksgiving": (r"thanksgiving(?: day)?", "thanksgiving"),
    "halloween": (r"halloween", "halloween"),
    "easter": (r"easter(?: sunday)?", "easter sunday"),
    "good friday": (r"good friday", "good friday"),
    "valentine's day": (r"valentine'?s(?: day)?|valentines day", "valentine's day"),
    "saint patrick's day": (
        r"(?:saint|st) patrick'?s(?: day)?|saint patricks day|st patricks day",
        "saint patrick's day",
    ),
    "mother's day": (r"mother'?s day|mothers day", "mother's day"),
    "father's day": (r"father'?s day|fathers day", "father's day"),
    "independence day": (
        r"independence day|(?:the )?(?:4th|fourth) of july|july (?:4th|fourth)",
        "independence day",
    ),
    "memorial day": (r"memorial day", "memorial day"),
    "labor day": (r"labou?r day", "labor day"),
    "juneteenth": (r"juneteenth", "juneteenth"),
    "veterans day": (r"veterans'? day|veteran'?s day", "veterans day"),
    "columbus day": (r"columbus day", "columbus day"),
    "martin luther king day": (r"(?:martin luther king|mlk)(?: jr)?(?: day)?", "martin luther"),
    "presidents day": (r"presidents'? day|president'?s day", "washington's birthday"),
    "groundhog day": (r"groundhog day", "groundhog day"),
}

SPOKEN = "|".join(f"(?:{spoken})" for spoken, _ in EVENTS.values())
"""Regex source matching any event's spoken name."""
_CANONICAL = [(name, re.compile(spoken)) for name, (spoken, _) in EVENTS.items()]
# Longest first, so "christmas eve" is not read as "christmas".
_CANONICAL.sort(key=lambda item: -len(item[0]))


def canonical(spoken: str) -> str | None:
    """``"xmas"`` → ``"christmas"``; ``None`` when it is no known event."""
    return next((name for name, pattern in _CANONICAL if pattern.fullmatch(spoken)), None)


def calendar_name(event: str) -> str | None:
    """The lowercase prefix of the event's name in the ``holidays`` calendars."""
    found = EVENTS.get(event)
    return None if found is None else found[1]

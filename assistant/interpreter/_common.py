"""Regex fragments and helpers shared by the domain matchers."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.interpreter._text import Text
from models import Intent

Matcher = Callable[[Text], Intent | None]

DET = r"(?:(?:the|my|a|an|this|that|our|your|another|a new|one more) )?"
"""An optional determiner before a noun."""
WHATS = r"(?:what's|whats|what is)"
MEDIA_THING = (
    r"(?:music|songs?|tracks?|playback|videos?|audio|podcasts?|media(?: players?)?|player|movies?"
    r"|episodes?|tunes?|(?:tv )?shows?|items?)"
)
"""What a media command may name when it targets what this device is playing."""
HERE = r"(?: (?:in )?(?:here|(?:this|the|my|our) (?:room|area|space)))?"
"""An optional "in here" / "in this room": this device's own room, so still local."""
_NOT_NAME = (
    r"a|an|the|my|our|your|this|that|for|of|and|or|to|on|in|timer|timers|list|lists|minute|"
    r"minutes|hour|hours|second|seconds|sec|new|another|all|every|it|me|one|more|from|off|by|"
    r"with|at|up|down|"
    # Command verbs: "stop timer for 5 minutes" must not start a timer named "stop".
    r"set|start|create|make|begin|run|add|put|stop|cancel|pause|resume|delete|remove|clear|kill|"
    r"end|check|show|read|what|how"
)
_NAME_WORD = rf"(?!(?:{_NOT_NAME})\b)[a-z][a-z']*"
NAME_WORDS = rf"{_NAME_WORD}(?: {_NAME_WORD}){{0,2}}"
"""One to three letter-only words that are not determiners, prepositions or units: a name."""
_NAME = re.compile(NAME_WORDS)


def clean_name(name: str | None) -> str | None:
    """A usable lowercase name, or ``None`` when it holds a word that cannot be part of a name."""
    if name is None:
        return None
    return name if _NAME.fullmatch(name) else None


def compile_all(*patterns: str) -> tuple[re.Pattern[str], ...]:
    """Compile full-utterance patterns."""
    return tuple(re.compile(p) for p in patterns)


def intent(name: str, /, **slots: str | int | float | bool | None) -> Intent:
    """An ``Intent`` whose absent (``None``) optional slots are left out."""
    return Intent(name, {key: value for key, value in slots.items() if value is not None})

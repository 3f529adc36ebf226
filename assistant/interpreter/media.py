"""Media playback: pause, resume, next, previous. Anything naming what to play goes to the cloud."""

from __future__ import annotations

import re

from assistant.interpreter._common import HERE, MEDIA_THING, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {"pause", "resume", "unpause", "un", "play", "playing", "playback", "continue", "keep"}
    | {"next", "skip", "previous", "last", "back", "stop", "halt", "music", "song", "track"}
)

_OBJ = rf"(?: (?:the |this |my |our )?{MEDIA_THING}| it| this)"
_ITEM = r"(?: (?:song|track|one|episode|video|chapter|tune|item))"
_HERE_SUFFIX = re.compile(HERE.removesuffix("?") + "$")
_RULES = (
    (
        names.MEDIA_PAUSE,
        compile_all(
            rf"pause{_OBJ}?",
            rf"(?:stop|halt) (?:the |this |my |our )?{MEDIA_THING}",
            rf"stop playing{_OBJ}?|stop playback",
        ),
    ),
    (
        names.MEDIA_RESUME,
        compile_all(
            rf"(?:resume|unpause|un pause){_OBJ}?",
            rf"continue(?: playing|{_OBJ}){_OBJ}?",
            r"keep playing|play|play it|play the music|resume playing|start playing again",
            rf"start{_OBJ} again",
        ),
    ),
    (
        names.MEDIA_NEXT,
        compile_all(
            rf"next{_ITEM}?(?: please)?",
            rf"skip(?:{_OBJ}| this one| it)?",
            rf"(?:play|go to|skip to|jump to) (?:the )?next{_ITEM}?",
        ),
    ),
    (
        names.MEDIA_PREVIOUS,
        compile_all(
            rf"previous{_ITEM}?",
            rf"(?:play|(?:go|skip|jump)(?: back)? to) (?:the )?(?:previous|last){_ITEM}",
            rf"(?:play|replay) (?:the )?(?:previous|last){_ITEM}?(?: again)?|replay{_ITEM}?",
            r"(?:go )?back (?:a|one) (?:song|track)|go back",
            r"last (?:song|track)",
        ),
    ),
)


def match(text: Text) -> Intent | None:
    """A media intent, or ``None``."""
    lower = _HERE_SUFFIX.sub("", text.lower)
    for name, patterns in _RULES:
        if any(p.fullmatch(lower) for p in patterns):
            return intent(name)
    return None


GRAMMAR = phrases(
    "pause|pause the music|stop the music|resume|resume the music|play|continue playing|next",
    "next song|next track|skip|skip this song|previous|previous song|previous track|go back",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

"""Talking to the assistant itself: stop, repeat, yes, no."""

from __future__ import annotations

from assistant.interpreter._common import compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

_YES = (
    r"(?:yes|yeah|yep|yup|yes sir|sure|sure thing|confirm|confirmed|correct|do it|go ahead|"
    r"go for it|ok|okay|affirmative|absolutely|of course|that's right|that's correct|right|"
    r"please do|definitely|exactly|sounds good|alright|all right|yes do it|proceed)"
)
_NO = (
    r"(?:no|nope|nah|no way|negative|don't|do not|don't do it|don't do that|deny|not now|"
    r"absolutely not|definitely not|of course not|no don't|not really|no it's not|wrong|incorrect)"
)
_RULES = (
    (
        names.ASSISTANT_STOP,
        compile_all(
            r"(?:ok |okay )?stop(?: it| that| talking| speaking| now| stop)?",
            r"never ?mind|forget (?:it|about it)|cancel(?: that| it)?",
            r"(?:be )?quiet|be silent|silence|shut up|hush|shush|enough|that's enough|"
            r"that(?:'ll| will) do",
        ),
    ),
    (
        names.ASSISTANT_REPEAT,
        compile_all(
            r"(?:say|read) (?:that|it) again|repeat(?: that| it| yourself| please| the last"
            r" (?:thing|answer|sentence))?",
            r"what did you (?:just )?say|come again|pardon(?: me)?|sorry what|what was that",
            r"i didn't (?:catch|hear|get|understand) (?:that|you)|one more time",
        ),
    ),
    (names.ASSISTANT_CONFIRM, compile_all(rf"{_YES}(?: {_YES})*")),
    (names.ASSISTANT_DENY, compile_all(rf"{_NO}(?: {_NO})*")),
)


def match(text: Text) -> Intent | None:
    """An ``assistant.*`` intent, or ``None``."""
    for name, patterns in _RULES:
        if any(p.fullmatch(text.lower) for p in patterns):
            return intent(name)
    return None


GRAMMAR = phrases(
    "stop|never mind|be quiet|shut up|cancel|forget it|stop talking|that's enough",
    "say that again|repeat that|what did you say|come again|repeat",
    "yes|yeah|yes please|sure|confirm|go ahead|do it|correct|okay",
    "no|nope|no thanks|don't|cancel that|not now",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

"""Notes: add one, read them back.

Only an explicit note verb takes a note ("take a note", "make a note that", "note down",
"jot down", "write down", "note to self"). A bare "note that …" goes to the cloud: in speech it is
as often a discourse marker ("note that the meeting moved, so…") as a command.
"""

from __future__ import annotations

from assistant.interpreter._common import compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"note", "notes", "down"})

_ADD = compile_all(
    r"(?:take|make|add|create|write|jot|start|new)(?: (?:a|an|the))?(?: new| quick)? note"
    r"(?: (?:that|saying|of|to say|which says|reading))? (?P<text>.+)",
    r"(?:new note|note to self|note down|jot down|write down|put down) (?P<text>.+)",
    r"(?:add|put|save) (?P<text>.+) (?:to|in|into) (?:my |the )?notes",
)
_LIST = compile_all(
    r"(?:read|show|list|give|tell|open|check)(?: me)?(?: back)?(?: all)? (?:of )?"
    r"(?:(?:my |the )?notes|my note)",
    r"(?:what's|whats|what is) in my notes|what (?:are|were) my notes",
    r"what notes do i have|do i have any notes|(?:my |all my )?notes",
)
_BAD_TEXT = frozenset({"that", "this", "it", "down", "please"})
# "create a new note in evernote called ideas" is not the text of a note.
_BAD_FIRST = frozenset({"in", "on", "at", "called", "named", "about", "for", "from", "with"})


def match(text: Text) -> Intent | None:
    """``note.add`` with the text as spoken, ``note.list``, or ``None``."""
    lower = text.lower
    for pattern in _ADD:
        found = pattern.fullmatch(lower)
        if found is not None:
            body = text.span(*found.span("text")).strip()
            if body.lower() in _BAD_TEXT or body.lower().split(" ", 1)[0] in _BAD_FIRST:
                return None
            return intent(names.NOTE_ADD, text=body)
    if any(p.fullmatch(lower) for p in _LIST):
        return intent(names.NOTE_LIST)
    return None


GRAMMAR = phrases(
    "read my notes|what are my notes|show my notes",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

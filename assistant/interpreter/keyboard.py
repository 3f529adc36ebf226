"""Typing text on this machine: "type hello world", "write good morning".

Only literal dictation is local. Requests to compose something ("write an email to my boss",
"type a letter to grandma and send it") go to the cloud.
"""

from __future__ import annotations

import re

from assistant.interpreter._common import intent
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"type", "write", "dictate"})

# Words that start a request about typing rather than the text to type ("type of music",
# "write me a story", "write down…" is a note).
_NEVER_FIRST = (
    r"a|an|me|my|some|up|down|back|to|about|something|anything|into|for|him|her|them|us|your|"
    r"our|it|that|of|in|on|with|is|are|was|were|and|or|as|at|from|by|like"
)
_COMMAND = re.compile(
    rf"(?P<verb>type out|type|write out|write|dictate) (?P<text>(?!(?:{_NEVER_FIRST})\b).+)"
)
_COMPOSITION = re.compile(
    r"\b(?:an?|the|my|some|this|that|your|his|her|their|our|new) (?:[a-z']+ )?"
    r"(?:e ?mail|mail|letter|message|note|poem|story|essay|report|reply|response|tweet|post|"
    r"program|script|function|paragraph|article|blog|review|memo|invitation|card|speech|"
    r"text|sms|summary|document|haiku|song|code|list)s?\b"
    r"|\b(?:and|then) (?:send|email|post|save|share|submit|print)\b|\bsend it\b"
)


def match(text: Text) -> Intent | None:
    """``keyboard.type`` with the words after the verb in their original casing, or ``None``."""
    found = _COMMAND.fullmatch(text.lower)
    if found is None:
        return None
    body = found["text"]
    if found["verb"].startswith("write") and body.startswith("the "):
        return None
    if _COMPOSITION.search(body):
        return None
    return intent(names.KEYBOARD_TYPE, text=text.span(*found.span("text")))

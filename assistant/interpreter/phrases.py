"""Teaching Jarvis a phrase: "when I say movie time, pause the music and set the volume to 20".

Normalization has already dropped the comma and the quotes that marked where the phrase ends,
so the split is found by meaning: the phrase is the shortest run of words after "when I say"
whose rest reads, in full, as local commands joined by "and" or "then". A sentence shaped like
a teaching whose rest is no command ("when I say hello to mum, remind me…") is not taken.
"""

from __future__ import annotations

import re

from assistant.interpreter._common import compile_all, intent
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"say", "means", "mean", "forget", "phrases", "phrase", "unlearn"})

MAX_PHRASE_WORDS = 6
_NOT_RUNNABLE = ("phrase.", names.ASSISTANT_CONFIRM, names.ASSISTANT_DENY, names.ASSISTANT_REPEAT)
"""A taught phrase runs commands; teaching, yes/no and "say that again" mean nothing there."""

_TEACH = compile_all(
    r"(?:from now on )?(?:when|whenever|if) i say (?P<rest>.+)",
    r"(?:teach|learn)(?: you)?(?: the| a)?(?: new)? phrase (?P<rest>.+)",
)
_MEANS = re.compile(r"(?:from now on )?(?P<phrase>.+?) (?:means|should mean) (?P<actions>.+)")
_FILLER = re.compile(r"^(?:then |you should |please |i want you to |it means |means |to mean )+")
_JOINER = re.compile(r" (?:and then|and|then) ")
_FORGET = compile_all(
    r"(?:forget|unlearn|delete|remove) (?:the |my )?(?:taught )?phrase (?P<phrase>.+)",
    r"(?:forget|unlearn) what (?P<phrase>.+) means",
)
_LIST = compile_all(
    r"(?:what|which) phrases (?:have i taught you|did i teach you|do you know|have you learned)",
    r"(?:list|read|show|tell me)(?: me)?(?: my| the)? (?:taught )?phrases(?: i taught you)?",
)


def match(text: Text) -> Intent | None:
    """``phrase.teach`` (``phrase``, ``actions``), ``phrase.forget`` (``phrase``),
    ``phrase.list``, or ``None``. The phrase and the actions keep the speaker's casing, not
    the punctuation that marked them (the split is found by words, so a quoted phrase and one
    said aloud are taught alike)."""
    lower = text.lower
    for pattern in _TEACH:
        found = pattern.fullmatch(lower)
        if found is not None:
            return _teaching(text.cased[found.start("rest") :])
    means = _MEANS.fullmatch(lower)
    if means is not None and lower.startswith("from now on "):
        phrase = text.cased[slice(*means.span("phrase"))]
        actions = text.cased[slice(*means.span("actions"))]
        return _taught(phrase, actions) if commands_in(actions) else None
    for pattern in _FORGET:
        found = pattern.fullmatch(lower)
        if found is not None:
            return intent(names.PHRASE_FORGET, phrase=text.cased[slice(*found.span("phrase"))])
    if any(pattern.fullmatch(lower) for pattern in _LIST):
        return intent(names.PHRASE_LIST)
    return None


def commands_in(actions: str) -> tuple[Intent, ...] | None:
    """The local commands ``actions`` names, in order, or ``None`` unless it is all commands."""
    whole = _runnable(actions)
    if whole is not None:
        return (whole,)
    # "add milk and eggs to my list and mute": try each "and"/"then" as the first boundary.
    for joiner in _JOINER.finditer(actions):
        first = _runnable(actions[: joiner.start()])
        if first is None:
            continue
        rest = commands_in(actions[joiner.end() :])
        if rest is not None:
            return (first, *rest)
    return None


def _teaching(rest: str) -> Intent | None:
    means = _MEANS.fullmatch(rest)
    if means is not None and commands_in(means["actions"]):
        return _taught(means["phrase"], means["actions"])
    words = rest.split(" ")
    for size in range(1, min(MAX_PHRASE_WORDS, len(words) - 1) + 1):
        actions = _FILLER.sub("", " ".join(words[size:]))
        if actions and commands_in(actions):
            return _taught(" ".join(words[:size]), actions)
    return None


def _taught(phrase: str, actions: str) -> Intent:
    return intent(names.PHRASE_TEACH, phrase=phrase.strip(), actions=actions.strip())


def _runnable(text: str) -> Intent | None:
    # Imported here: this module is one of the interpreter's own domains.
    from assistant.interpreter import interpret

    found = interpret(text)
    if found is None or found.name.startswith(_NOT_RUNNABLE):
        return None
    return found

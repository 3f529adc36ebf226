"""What a spoken command most probably said, when its transcript is not understood as heard.

In a room whisper hears "Past the music." for "pause the music", puts a word before the command
("and previous track"), or adds words after it, from other talkers or from its own prompt ("set
the volume to forty, mute, mute"). Typed text never comes here: only a recognizer's transcript,
and only once the templates and the learned tier have both passed on it.

Three repairs, in order; each counts only when the templates understand what it makes:

1. the first clause alone (what whisper writes after a comma is seldom still the command);
2. without leading filler words ("and", "well", "the");
3. the grammar's nearest phrase (``grammar_phrases()``, the phrases whisper is steered toward),
   when it is spelled within ``CLOSE_ENOUGH`` of what was heard, brings no number the transcript
   does not hold and drops none of its command words ("start", "off", "next"): a repair fixes
   words that were misheard; it never invents a value or overrules a word that was heard.

A repair never yields a conversational intent (a greeting, thanks, yes or no): those are short,
easy to reach by accident, and cheap to say again.

``CLOSE_ENOUGH`` was chosen on CLINC150's train and validation sentences (typed requests the
templates and the learned tier leave to the cloud, 15,028 of 18,010): at 80 the repairs take 8 of
them to a wrong local intent (0.04% of the corpus) and 14 to the right one. Before the
command-word guard it was 10 and 15 at 80, and 55 wrong at 75.
CLINC150: S. Larson et al., EMNLP 2019, CC BY 3.0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz, process

from assistant.interpreter import grammar_phrases, interpret
from assistant.interpreter._grammar import NUMBER_WORDS as SPELLED_NUMBERS
from models import Intent
from models.intent_names import (
    ASSISTANT_CONFIRM,
    ASSISTANT_DENY,
    ASSISTANT_REPEAT,
    ASSISTANT_STOP,
    CHITCHAT_ABOUT,
    CHITCHAT_GOODBYE,
    CHITCHAT_GREETING,
    CHITCHAT_THANKS,
)

CLOSE_ENOUGH = 80.0
"""rapidfuzz ratio (0-100) from which the grammar's nearest phrase is taken for the transcript."""
_FILLER_WORDS = "and the well so oh um uh hey okay ok i a now then jarvis"
FILLERS = frozenset(_FILLER_WORDS.split())
"""Words a noisy transcript starts with before the command ("and previous track")."""
NUMBER_WORDS = SPELLED_NUMBERS | {"half", "quarter"}
"""The words a grammar phrase says a value with: a repair never brings one the transcript lacks."""
_OPPOSITES = "start stop pause resume play cancel add remove up down on off next previous mute"
COMMAND_WORDS = frozenset(_OPPOSITES.split()) | {"unmute"}
"""Words that decide what a command does, often in opposite pairs: a repair may supply one that
was misheard ("past the music"), never replace one that was heard ("start" is not "stop")."""
NEVER_REPAIRED_TO = frozenset(
    {
        ASSISTANT_CONFIRM,
        ASSISTANT_DENY,
        CHITCHAT_ABOUT,
        CHITCHAT_GOODBYE,
        CHITCHAT_GREETING,
        CHITCHAT_THANKS,
    }
)
NEVER_OFFERED = NEVER_REPAIRED_TO | {ASSISTANT_STOP, ASSISTANT_REPEAT}
"""Never asked about ("did you mean …?"): saying "stop" or "say that again" again is as quick
as answering yes, and the rest are never repaired to either."""
_CLAUSE_END = re.compile(r"[,.!?;:]+")
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True, slots=True)
class Repaired:
    intent: Intent
    said: str
    """The command as understood: a clause of the transcript, or the grammar's phrase."""
    closeness: float
    """0-1: 1 for a part of the transcript itself, the spelling ratio for a grammar phrase."""


def repair(transcript: str, *, home: frozenset[str] | None = None) -> Repaired | None:
    """The local command ``transcript`` most probably was; ``None`` leaves it to the cloud."""
    words = _words(transcript)
    first = _words(_CLAUSE_END.split(transcript, maxsplit=1)[0])
    parts = [" ".join(first), " ".join(_unfilled(words)), " ".join(_unfilled(first))]
    for part in dict.fromkeys(p for p in parts if p and p != " ".join(words)):
        found = interpret(part, home=home)
        if found is not None:
            return _allowed(Repaired(found, part, 1.0))
    for part in dict.fromkeys(p for p in parts[1:] if p):
        nearest = _nearest_phrase(part)
        if nearest is not None:
            return _allowed(nearest)
    return None


def interpret_heard(transcript: str, *, home: frozenset[str] | None = None) -> Intent | None:
    """The templates' intent for a recognizer's transcript, repaired when they miss it (what
    ``jarvis listen`` reports; the edge puts its learned tier between the two)."""
    found = interpret(transcript, home=home)
    if found is not None:
        return found
    repaired = repair(transcript, home=home)
    return repaired.intent if repaired else None


def warm() -> None:
    """Build the grammar's phrase table now rather than at the first misheard command."""
    _phrase_list()


def phrase_for(intent: Intent) -> str | None:
    """The grammar's phrase that says exactly ``intent`` (its name and every slot), to ask "did
    you mean …?" with; ``None`` when no phrase does (an item for a list, a note's words) or the
    intent is never asked about (``NEVER_OFFERED``). Blocking the first time (the phrase table)."""
    if intent.name in NEVER_OFFERED:
        return None
    return _said_as().get(_meaning(intent))


def _meaning(intent: Intent) -> tuple[str, str]:
    return intent.name, json.dumps(dict(intent.slots), sort_keys=True, default=str)


@cache
def _said_as() -> dict[tuple[str, str], str]:
    """Each meaning the grammar can say, with the first of its phrases of two words or more
    ("pause the music", not "pause"), or its only one."""
    said: dict[tuple[str, str], str] = {}
    for phrase, intent in _phrases().items():
        meaning = _meaning(intent)
        known = said.get(meaning)
        if known is None or (len(known.split()) < 2 <= len(phrase.split())):
            said[meaning] = phrase
    return said


def _allowed(repaired: Repaired) -> Repaired | None:
    return None if repaired.intent.name in NEVER_REPAIRED_TO else repaired


def _nearest_phrase(heard: str) -> Repaired | None:
    phrases = _phrases()
    match = process.extractOne(heard, _phrase_list(), scorer=fuzz.ratio, score_cutoff=CLOSE_ENOUGH)
    if match is None:
        return None
    phrase, score = match[0], match[1]
    said, meant = set(heard.split()), set(phrase.split())
    if (meant & NUMBER_WORDS) - said:
        return None  # "a couple hours" is not "two hours": the value is the person's to say
    if (said & COMMAND_WORDS) - meant:
        return None
    return Repaired(phrases[phrase], phrase, round(score / 100, 3))


@cache
def _phrases() -> dict[str, Intent]:
    """The grammar's phrases with what each means (built once: ~1,300 phrases, ~0.3 s here)."""
    understood = {phrase: interpret(phrase) for phrase in grammar_phrases()}
    return {phrase: intent for phrase, intent in understood.items() if intent is not None}


@cache
def _phrase_list() -> tuple[str, ...]:
    return tuple(_phrases())


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def _unfilled(words: list[str]) -> list[str]:
    at = 0
    while at < len(words) and words[at] in FILLERS:
        at += 1
    return words[at:]

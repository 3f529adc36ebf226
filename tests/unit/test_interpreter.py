"""The local intent interpreter against the shared utterance corpus and its grammar export."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from text_to_num import text2num

from assistant.interpreter import grammar_phrases, grammar_words, interpret
from assistant.interpreter._grammar import spell
from assistant.skills import INTENTS
from assistant.skills import home as home_skill
from models.intent_names import APP_INTENTS

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "utterances.jsonl"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
]
HOUSE = {spec.name for spec in home_skill.INTENTS}
"""Local only on an edge with a Home Assistant: ``test_interpreter_home.py`` covers them."""
CATALOGUE = {spec.name: set(spec.slots) for spec in INTENTS if spec.name not in HOUSE}
"""The skills' declared intents and slots (one table), and the conversation's own four."""
CATALOGUE |= {name: set() for name in APP_INTENTS}
WORDS = re.findall(
    r"\S+",
    "set a the timer for five 5 minutes add to my list what is time stop play next "
    "volume up please type note plus times and hour half",
)
# Intents whose slots carry the speaker's words verbatim, casing included.
VERBATIM = {"keyboard.type", "note.add", "list.add", "list.remove"}
"""Intents whose free text is kept as said: shouting it changes the slot, on purpose."""


@pytest.mark.parametrize("row", ROWS, ids=[row["text"] for row in ROWS])
def test_corpus_utterance(row: dict[str, Any]) -> None:
    """Each corpus utterance gives exactly the expected intent and slots, or None for the cloud."""
    found = interpret(row["text"])
    if row["intent"] is None:
        assert found is None
    else:
        assert found is not None
        assert (found.name, dict(found.slots)) == (row["intent"], row["slots"])


def test_corpus_is_broad() -> None:
    """The corpus holds 300+ utterances, 100+ cloud-bound ones, and 8+ for every local intent."""
    counts = Counter(row["intent"] for row in ROWS)
    assert len(ROWS) >= 300
    assert counts[None] >= 100
    assert {name: counts[name] for name in CATALOGUE if counts[name] < 8} == {}


def test_corpus_uses_only_catalogue_names_and_slots() -> None:
    """Every expected intent and slot in the corpus belongs to the design's catalogue."""
    for row in ROWS:
        if row["intent"] is not None:
            assert set(row["slots"]) <= CATALOGUE[row["intent"]], row["text"]


@pytest.mark.parametrize(
    "row",
    [row for row in ROWS if row["intent"] and row["intent"] not in VERBATIM],
    ids=lambda row: row["text"],
)
def test_casing_and_punctuation_do_not_matter(row: dict[str, Any]) -> None:
    """Shouting and recognizer punctuation leave the intent and slots unchanged."""
    found = interpret(row["text"].upper() + "?")
    assert found is not None
    assert (found.name, dict(found.slots)) == (row["intent"], row["slots"])


def test_optional_slots_are_omitted_not_none() -> None:
    """An optional slot that was not said is absent rather than None."""
    found = interpret("set a timer for 5 minutes")
    assert found is not None
    assert dict(found.slots) == {"duration_s": 300}


def test_typed_text_keeps_its_casing() -> None:
    """keyboard.type keeps the original casing of the words after the verb."""
    found = interpret("Jarvis, type Hello World!")
    assert found is not None
    assert dict(found.slots) == {"text": "Hello World!"}


@pytest.mark.parametrize(
    ("said", "name", "slots"),
    [
        (
            "take a note: Call Dr. O'Brien at 555-1234; ask about the MRI",
            "note.add",
            {"text": "Call Dr. O'Brien at 555-1234; ask about the MRI"},
        ),
        (
            "Add Ben & Jerry's to my shopping list.",
            "list.add",
            {"item": "Ben & Jerry's", "list": "shopping"},
        ),
        (
            "put Jean-Luc's party on my to-do list",
            "list.add",
            {"item": "Jean-Luc's party", "list": "todo"},
        ),
        (
            "remove Ben & Jerry's from my list",
            "list.remove",
            {"item": "Ben & Jerry's", "list": "shopping"},
        ),
        ('type "Hello, World!"', "keyboard.type", {"text": '"Hello, World!"'}),
    ],
)
def test_free_text_is_kept_as_said(said: str, name: str, slots: dict[str, str]) -> None:
    """Notes, list items and typed text keep their case, digits and inner punctuation."""
    found = interpret(said)
    assert found is not None
    assert (found.name, dict(found.slots)) == (name, slots)


def test_grammar_phrases_all_interpret() -> None:
    """Every phrase exported for vosk's grammar is a local intent."""
    phrases = grammar_phrases()
    assert len(phrases) > 500
    assert [p for p in phrases if interpret(p) is None] == []


def test_grammar_phrases_are_lowercase_words() -> None:
    """Grammar phrases are lowercase words (a-z and apostrophes) with numbers spelled out."""
    word = re.compile(r"[a-z']+")
    for phrase in grammar_phrases():
        assert all(word.fullmatch(w) for w in phrase.split(" ")), phrase


def test_grammar_words_are_the_sorted_vocabulary() -> None:
    """grammar_words() is exactly the sorted unique vocabulary of grammar_phrases()."""
    vocabulary = {w for phrase in grammar_phrases() for w in phrase.split()}
    assert grammar_words() == sorted(vocabulary)


@pytest.mark.parametrize("number", range(101))
def test_spelled_numbers_round_trip(number: int) -> None:
    """The grammar's spelled numbers read back as the same number through text2num."""
    assert text2num(spell(number), "en") == number


@given(st.text(max_size=120))
def test_never_raises(text: str) -> None:
    """Arbitrary text never makes the interpreter raise; it answers an intent or None."""
    found = interpret(text)
    assert found is None or found.name in CATALOGUE


@given(
    st.lists(
        st.sampled_from(WORDS),
        max_size=12,
    )
)
def test_slots_respect_the_contract(words: list[str]) -> None:
    """Whatever local words are combined, intents carry only catalogue slots with sane values."""
    found = interpret(" ".join(words))
    if found is None:
        return
    assert set(found.slots) <= CATALOGUE[found.name]
    assert all(value is not None for value in found.slots.values())
    if found.name == "timer.start":
        assert isinstance(found.slots["duration_s"], int)
        assert found.slots["duration_s"] > 0
    if found.name == "volume.set":
        assert 0 <= int(found.slots["level"]) <= 100


def test_long_input_is_refused_quickly() -> None:
    """A very long text is forwarded to the cloud without being matched."""
    assert interpret("set a timer for 5 minutes " * 100) is None

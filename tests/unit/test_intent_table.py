"""The skills' one table of intents: dispatch, HANDLED, the grammar, the hello's capabilities
and the shared names all agree with it, so an intent is declared once."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

from assistant.app import capabilities
from assistant.database import open_database
from assistant.interpreter import grammar_phrases, interpret
from assistant.platform import PlatformAdapters
from assistant.skills import INTENTS, Skills
from assistant.testing import ReplyRecorder
from models import intent_names
from models.device_intents import intents_of
from models.intent_names import APP_INTENTS
from understanding.classifier import is_other

HEAD = Path(__file__).resolve().parents[2] / "understanding" / "artifact" / "head.json"
SHARED = {
    value for key, value in vars(intent_names).items() if key.isupper() and isinstance(value, str)
}


def test_every_intent_is_declared_once() -> None:
    """No two skill modules declare the same intent (one would silently win the dispatch)."""
    names = [spec.name for spec in INTENTS]
    assert len(names) == len(set(names))


def test_handled_is_the_table() -> None:
    """Skills.HANDLED is exactly the declared intents, none of them the conversation's own."""
    assert {spec.name for spec in INTENTS} == Skills.HANDLED
    assert Skills.HANDLED.isdisjoint(APP_INTENTS)


async def test_the_facade_runs_exactly_the_table(tmp_path: Path) -> None:
    """Started skills bind a handler to every declared intent and to nothing else."""
    db = await open_database(tmp_path)
    try:
        skills = await Skills.start(db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters())
        assert skills.runs == Skills.HANDLED
        await skills.close()
    finally:
        await db.close()


def test_every_declared_name_is_a_shared_constant() -> None:
    """Each declared intent is named by a constant in models.intent_names, which both the edge
    and the cloud import."""
    assert Skills.HANDLED | APP_INTENTS <= SHARED


def test_every_grammar_phrase_is_a_declared_intent() -> None:
    """What vosk's grammar lets through is always an intent the skills or the conversation run."""
    found = [interpret(phrase) for phrase in grammar_phrases()]
    assert None not in found
    assert {each.name for each in found if each is not None} <= Skills.HANDLED | APP_INTENTS


def test_the_hello_offers_every_declared_intent() -> None:
    """The cloud's second chance may send back exactly the intents the table declares."""
    assert intents_of(capabilities(PlatformAdapters())) == Skills.HANDLED


def test_the_learned_tier_knows_only_declared_intents() -> None:
    """Every label of the packaged model is a declared intent (or one of its "not mine"
    classes): none is stale."""
    labels = json.loads(HEAD.read_text(encoding="utf-8"))["labels"]
    ours = {label for label in labels if not is_other(label)}
    assert ours
    assert ours <= Skills.HANDLED | APP_INTENTS

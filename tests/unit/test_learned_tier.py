"""The learned tier with the real packaged model (loaded once per test session)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.skills import Skills
from assistant.testing import conversation_for_tests
from assistant.understander import APP_INTENTS, Understander
from understanding import IntentModel
from understanding.classifier import collapse

HANDLED = Skills.HANDLED | APP_INTENTS


@pytest.mark.parametrize(
    ("text", "name", "slots"),
    [
        ("raise the volume to fifty", "volume.set", {"level": 50}),
        ("what items are on my shopping list", "list.show", {"list": "shopping"}),
        ("what is the answer to two plus two", "math.eval", {"expression": "2 + 2", "result": 4}),
        ("how many timers do i have", "timer.status", {}),
        ("show me the time", "time.now", {}),
        ("Start at fifteen minute timer", "timer.start", {"duration_s": 900}),
        ("Have bananas to my shopping list", "list.add", {"item": "bananas", "list": "shopping"}),
        ("What is today's day?", "date.today", {}),
    ],
)
def test_the_model_understands_what_templates_miss(
    understander: Understander, text: str, name: str, slots: dict[str, object]
) -> None:
    """Ordinary phrasings and misheard ones the templates do not know reach the right intent."""
    assert understander.templates(text) is None
    understood = understander.understand_now(text)
    assert understood.tier == "model"
    assert understood.intent is not None
    assert (understood.intent.name, dict(understood.intent.slots)) == (name, slots)
    assert understood.missing is None
    assert 0.0 < understood.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "mute for twenty minutes",
        "write an email to my boss",
        "search the web for timer apps",
        "turn off the lights in the kitchen",
        "what's the capital of peru",
    ],
)
def test_the_model_forwards_what_is_not_local(understander: Understander, text: str) -> None:
    """Requests for the cloud stay unclaimed; a timed mute is never a timer."""
    understood = understander.understand_now(text)
    assert understood.intent is None
    assert understood.tier is None


def test_templates_answer_first(understander: Understander) -> None:
    """A sentence the templates know is answered by them, exactly, with full confidence."""
    understood = understander.understand_now("take eggs off the grocery list")
    assert understood.tier == "template"
    assert understood.confidence == 1.0
    assert understood.intent is not None
    assert dict(understood.intent.slots) == {"item": "eggs", "list": "shopping"}


def test_intents_this_edge_does_not_handle_abstain(model: IntentModel) -> None:
    """The model knows alarms, but an edge without the alarm skill forwards them."""
    assert model.best("set an alarm for 7 am tomorrow").intent == "alarm.set"
    # The learned tier alone: the alarm templates know this sentence too.
    no_alarms = HANDLED - {"alarm.set", "alarm.list", "alarm.cancel", "alarm.snooze"}
    without = Understander(no_alarms, model).learned("set an alarm for 7 am tomorrow")
    assert without.intent is None
    with_alarms = Understander(no_alarms | {"alarm.set"}, model)
    found = with_alarms.learned("set an alarm for 7 am tomorrow").intent
    assert found is not None
    assert (found.name, dict(found.slots)) == ("alarm.set", {"time": "07:00"})


async def test_a_missing_slot_is_asked_for_and_the_answer_taken(
    tmp_path: Path, understander: Understander
) -> None:
    """ "Add to my shopping list" asks "Add what …?", and the next words are the item."""
    async with conversation_for_tests(tmp_path, understander=understander) as (conversation, _):
        asked = await conversation.submit("add to my shopping list")
        assert asked.handled_by == "edge"
        assert asked.reply == "Add what to your shopping list?"
        added = await conversation.submit("oat milk")
        assert added.intent == "list.add"
        assert added.slots == {"item": "oat milk", "list": "shopping"}
        shown = await conversation.submit("what items are on my shopping list")
        assert shown.reply is not None
        assert "oat milk" in shown.reply


async def test_a_command_instead_of_an_answer_drops_the_question(
    tmp_path: Path, understander: Understander
) -> None:
    """Saying "what time is it" after the question runs that, and nothing is added."""
    async with conversation_for_tests(tmp_path, understander=understander) as (conversation, _):
        await conversation.submit("add to my shopping list")
        answered = await conversation.submit("what time is it")
        assert answered.intent == "time.now"
        after = await conversation.submit("banana bread")
        assert after.intent != "list.add"


def test_the_kinds_of_not_mine_are_summed_into_one_other() -> None:
    """The head's finer "not mine" classes add up to one "other"; our intents stay as they are."""
    probabilities = np.array([[0.5, 0.2, 0.1, 0.2]], dtype=np.float32)
    collapsed, labels = collapse(probabilities, ["list.add", "other:travel", "other", "time.now"])
    assert labels == ["list.add", "time.now", "other"]
    assert np.allclose(collapsed, [[0.5, 0.2, 0.3]])


def test_the_packaged_model_offers_our_intents_and_one_other(model: IntentModel) -> None:
    """Whatever classes the head was trained with, the edge sees intents and a single "other"."""
    assert model.labels.count("other") == 1
    assert not any(label.startswith("other:") for label in model.labels)
    row = model.probabilities(["book me a flight to paris"])[0]
    assert row.shape == (len(model.labels),)
    assert abs(float(row.sum()) - 1.0) < 1e-4
    assert model.best("book me a flight to paris").intent == "other"

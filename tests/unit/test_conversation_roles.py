"""The conversation's parts on their own: the dialogue's two windows, how answers end an
utterance and what "say that again" repeats, and the conversation's own intents."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import pytest

from assistant.conversation.answers import Answers
from assistant.conversation.dialogue import (
    CONFIRMATION_WINDOW_S,
    DENIED_FOR_S,
    OFFER_WINDOW_S,
    SLOT_ANSWER_WINDOW_S,
    Dialogue,
)
from assistant.conversation.local import LocalIntents
from assistant.database import open_database
from assistant.edge_link import LinkHandler
from assistant.events import ReplyBus
from assistant.history import History, UtteranceRecord
from assistant.interpreter.extractors import fill
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FakeCloudLink, FixedClock, conversation_for_tests
from models import Intent, Reply, new_id
from models import intent_names as names


def pending(intent: str | None = None) -> UtteranceRecord:
    return UtteranceRecord(
        id=new_id(), trace_id=new_id(), text="something", intent=intent, slots={},
        handled_by="edge", status="pending", interpret_ms=0.1,
    )  # fmt: skip


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[History]:
    db = await open_database(tmp_path)
    yield History(db)
    await db.close()


def test_a_yes_answers_the_cloud_once_within_its_window() -> None:
    """After a reply awaiting confirmation, one yes goes to the cloud; the next stays here."""
    clock = FixedClock(100.0)
    dialogue = Dialogue(clock)
    yes = Intent(names.ASSISTANT_CONFIRM)
    assert not dialogue.answers_the_cloud(yes)
    dialogue.await_confirmation()
    clock.now += CONFIRMATION_WINDOW_S - 1
    assert dialogue.answers_the_cloud(yes)
    assert not dialogue.answers_the_cloud(yes)


def test_a_yes_after_the_window_stays_here() -> None:
    """A yes once the confirmation window has passed is not the cloud's."""
    clock = FixedClock(100.0)
    dialogue = Dialogue(clock)
    dialogue.await_confirmation()
    clock.now += CONFIRMATION_WINDOW_S
    assert not dialogue.answers_the_cloud(Intent(names.ASSISTANT_DENY))


def test_a_yes_answers_the_question_asked_last() -> None:
    """The cloud awaits a yes, then the edge asks "did you mean …?": the yes is the edge's;
    and the other way round, the cloud's."""
    guess = Intent(names.TIME_NOW)
    dialogue = Dialogue(FixedClock(0.0))
    dialogue.await_confirmation()
    dialogue.offer(guess)
    answer = dialogue.answer_to_offer("yes")
    assert answer is not None
    assert answer.intent == guess
    assert not dialogue.answers_the_cloud(Intent(names.ASSISTANT_CONFIRM))
    dialogue.offer(guess)
    dialogue.await_confirmation()
    assert dialogue.answer_to_offer("yes") is None
    assert dialogue.answers_the_cloud(Intent(names.ASSISTANT_CONFIRM))


def test_an_offer_is_answered_once_in_its_window_and_a_no_holds_for_a_while() -> None:
    """ "Did you mean …?": a late yes or other words drop it; a no keeps the same guess from
    being offered again until ``DENIED_FOR_S`` has passed (another guess may be)."""
    clock = FixedClock(0.0)
    dialogue = Dialogue(clock)
    guess = Intent(names.TIME_NOW)
    assert dialogue.answer_to_offer("yes") is None  # nothing offered
    dialogue.offer(guess)
    clock.now += OFFER_WINDOW_S
    assert dialogue.answer_to_offer("yes") is None
    dialogue.offer(guess)
    assert dialogue.answer_to_offer("what time is it") is None
    assert dialogue.answer_to_offer("yes") is None
    dialogue.offer(guess)
    answer = dialogue.answer_to_offer("no thanks")
    assert answer is not None
    assert answer.intent == Intent(names.ASSISTANT_DENY)
    assert not dialogue.may_offer(guess)
    assert dialogue.may_offer(Intent(names.VOLUME_MUTE))
    clock.now += DENIED_FOR_S
    assert dialogue.may_offer(guess)


def test_the_next_words_answer_the_question_asked() -> None:
    """ "For how long?" then "five minutes" completes the timer; the question is asked once."""
    dialogue = Dialogue(FixedClock(0.0))
    missing = fill(names.TIMER_START, "set a timer")
    assert missing is not None
    assert missing.missing == "duration_s"
    assert dialogue.ask(missing) == "For how long?"
    understood = dialogue.answer_to_question("five minutes")
    assert understood is not None
    assert understood.intent is not None
    assert understood.intent.name == names.TIMER_START
    assert dict(understood.intent.slots) == {"duration_s": 300}
    assert dialogue.answer_to_question("five minutes") is None


def test_a_command_or_a_late_answer_drops_the_question() -> None:
    """A known command is not an answer, and neither is one after the window."""
    clock = FixedClock(0.0)
    dialogue = Dialogue(clock)
    missing = fill(names.TIMER_START, "set a timer")
    assert missing is not None
    dialogue.ask(missing)
    assert dialogue.answer_to_question("what time is it") is None
    dialogue.ask(missing)
    clock.now += SLOT_ANSWER_WINDOW_S
    assert dialogue.answer_to_question("five minutes") is None


async def test_finishing_keeps_publishes_and_remembers(history: History) -> None:
    """A finished utterance is kept done, published as a reply, and is what is repeated; a
    "say that again" reply is not itself remembered."""
    bus = ReplyBus()
    answers = Answers(history, bus)
    record = pending(names.TIME_NOW)
    await history.add(record)
    async with bus.subscribe() as replies:
        done = await answers.finish(record, status="done", reply="It's noon.")
        said = replies.get_nowait()
    assert (done.status, done.reply) == ("done", "It's noon.")
    assert (said.text, said.utterance_id, said.kind) == ("It's noon.", record.id, "reply")
    again = pending(names.ASSISTANT_REPEAT)
    await history.add(again)
    await answers.finish(again, status="done", reply="It's noon.")
    answers.publish(Reply(text="Working on it.", kind="progress"))
    assert answers.last_reply == "It's noon."
    answers.news(Reply(text="Time to leave."))
    assert answers.last_reply == "Time to leave."


async def test_an_answer_stops_the_task_waiting_to_give_one(history: History) -> None:
    """stop_waiting cancels the owned task; close cancels and awaits the rest."""
    answers = Answers(history, ReplyBus())
    first = asyncio.create_task(asyncio.sleep(60))
    second = asyncio.create_task(asyncio.sleep(60))
    answers.own("u1", first)
    answers.own("u2", second)
    answers.stop_waiting("u1")
    await asyncio.sleep(0)
    assert first.cancelled()
    await answers.close()
    assert second.cancelled()


async def test_the_conversations_own_intents_answer_here(tmp_path: Path) -> None:
    """Repeat says the last reply; yes with nothing to confirm says so; no phrase book, no
    teaching."""
    db = await open_database(tmp_path)
    try:
        skills = await Skills.start(
            db, ReplyBus().publish, timezone=UTC, adapters=PlatformAdapters(), data_dir=tmp_path
        )
        answers = Answers(History(db), ReplyBus())
        local = LocalIntents(skills, None, answers)
        assert (
            await local.run(Intent(names.ASSISTANT_REPEAT), "u") == "I haven't said anything yet."
        )
        answers.news(Reply(text="Time to leave."))
        assert await local.run(Intent(names.ASSISTANT_REPEAT), "u") == "Time to leave."
        assert (
            await local.run(Intent(names.ASSISTANT_CONFIRM), "u") == "There's nothing to confirm."
        )
        assert await local.run(Intent(names.PHRASE_LIST), "u") == (
            "I can't learn phrases on this device."
        )
        await skills.close()
    finally:
        await db.close()


async def test_the_link_is_handled_by_the_cloud_messages(tmp_path: Path) -> None:
    """A reply to a pending utterance, given to the conversation's link role, answers it and is
    what the reading role shows."""
    async with conversation_for_tests(tmp_path, cloud=FakeCloudLink()) as (conversation, _bus):
        handler: LinkHandler = conversation.link
        record = await conversation.submit("what is the meaning of life")
        assert record.status == "pending"
        await handler.on_reply(Reply(text="Forty-two.", utterance_id=record.id))
        shown = await conversation.view.lookup(record.id)
        assert shown is not None
        assert (shown.status, shown.reply) == ("done", "Forty-two.")

"""Timers through the Skills façade, on a real SQLite database in tmp_path."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import aiosqlite
import pytest

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent, Reply

T0 = 1_800_000_000.0
Slot = str | int | float | bool | None


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path)
    yield connection
    await connection.close()


@pytest.fixture
def recorder() -> ReplyRecorder:
    return ReplyRecorder()


@pytest.fixture
async def skills(db: aiosqlite.Connection, recorder: ReplyRecorder) -> AsyncIterator[Skills]:
    """Skills on the real clock, for timers that really fire."""
    started = await Skills.start(db, recorder, timezone=UTC, adapters=PlatformAdapters())
    yield started
    await started.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
async def frozen(
    db: aiosqlite.Connection, recorder: ReplyRecorder, clock: FixedClock
) -> AsyncIterator[Skills]:
    """Skills on a fixed clock, so the time left is exact; these timers never fire by waiting."""
    started = await Skills.start(
        db, recorder, timezone=UTC, adapters=PlatformAdapters(), clock=clock
    )
    yield started
    await started.close()


async def say(skills: Skills, intent: str, utterance_id: str = "u0", /, **slots: Slot) -> str:
    """Handles ``intent`` with ``slots`` as the interpreter would produce them."""
    return await skills.handle(Intent(intent, slots), utterance_id)


async def count_rows(db: aiosqlite.Connection) -> int:
    async with db.execute("SELECT count(*) FROM timers") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_named_timer_fires_once_with_its_utterance(
    skills: Skills, recorder: ReplyRecorder, db: aiosqlite.Connection
) -> None:
    """A named timer publishes "Your pasta timer is done." for its utterance, then is gone."""
    assert await say(skills, "timer.start", "u1", duration_s=0.3, name="pasta") == (
        "Pasta timer set for 1 second."
    )
    reply = await recorder.next()
    assert reply == Reply("Your pasta timer is done.", utterance_id="u1", kind="timer")
    assert await say(skills, "timer.status") == "You don't have any timers."
    assert await count_rows(db) == 0


async def test_unnamed_timer_is_named_by_its_duration(
    skills: Skills, recorder: ReplyRecorder
) -> None:
    """An unnamed whole-second timer says its duration when it ends."""
    assert await say(skills, "timer.start", duration_s=1) == "Timer set for 1 second."
    assert (await recorder.next()).text == "Your 1 second timer is done."


async def test_several_timers_fire_in_order(skills: Skills, recorder: ReplyRecorder) -> None:
    """Timers run side by side and each fires on its own."""
    await say(skills, "timer.start", duration_s=0.6, name="eggs")
    await say(skills, "timer.start", duration_s=0.2, name="pasta")
    first, second = await recorder.next(), await recorder.next()
    assert [first.text, second.text] == ["Your pasta timer is done.", "Your eggs timer is done."]


async def test_same_name_is_refused(frozen: Skills) -> None:
    """Starting a second timer with a name in use refuses and says the time left."""
    await say(frozen, "timer.start", duration_s=180, name="pasta")
    assert await say(frozen, "timer.start", duration_s=60, name="Pasta timer") == (
        "You already have a pasta timer with 3 minutes left."
    )


async def test_missing_or_huge_duration_is_asked_about(frozen: Skills) -> None:
    """No duration asks for one; a duration over a day is refused; nothing is created."""
    assert await say(frozen, "timer.start") == "How long should the timer be?"
    assert await say(frozen, "timer.start", duration_s=0) == "How long should the timer be?"
    assert await say(frozen, "timer.start", duration_s=200_000) == (
        "I can only set timers for up to 24 hours."
    )
    assert await say(frozen, "timer.status") == "You don't have any timers."


async def test_ambiguous_cancel_asks_which_and_does_nothing(frozen: Skills) -> None:
    """With two timers, "cancel the timer" asks which one and cancels neither."""
    await say(frozen, "timer.start", duration_s=480, name="pasta")
    await say(frozen, "timer.start", duration_s=300, name="eggs")
    assert await say(frozen, "timer.cancel") == "You have 2 timers: pasta and eggs. Which one?"
    assert (await say(frozen, "timer.status")).startswith("You have 2 timers")


async def test_cancel_by_name_only_and_all(frozen: Skills, db: aiosqlite.Connection) -> None:
    """Cancel picks by name, the only timer without one, or all of them, and deletes rows."""
    await say(frozen, "timer.start", duration_s=480, name="pasta")
    await say(frozen, "timer.start", duration_s=300, name="eggs")
    await say(frozen, "timer.start", duration_s=60, name="tea")
    assert await say(frozen, "timer.cancel", name="eggs") == "I cancelled your eggs timer."
    assert await say(frozen, "timer.cancel", name="rice") == "You don't have a rice timer."
    assert await say(frozen, "timer.cancel", all=True) == "I cancelled all 2 timers."
    assert await count_rows(db) == 0
    assert await say(frozen, "timer.cancel") == "You don't have any timers."
    await say(frozen, "timer.start", duration_s=300)
    assert await say(frozen, "timer.cancel") == "I cancelled your 5 minute timer."


async def test_status_one_and_all(frozen: Skills, clock: FixedClock) -> None:
    """Status gives the exact time left for one timer, and lists several by time left."""
    await say(frozen, "timer.start", duration_s=300, name="pasta")
    clock.now += 50
    assert await say(frozen, "timer.status") == (
        "Your pasta timer has 4 minutes and 10 seconds left."
    )
    await say(frozen, "timer.start", duration_s=120, name="eggs")
    await say(frozen, "timer.pause", name="pasta")
    assert await say(frozen, "timer.status") == (
        "You have 2 timers: eggs timer with 2 minutes left; "
        "pasta timer paused with 4 minutes and 10 seconds left."
    )
    assert await say(frozen, "timer.status", name="eggs") == "Your eggs timer has 2 minutes left."


async def test_pause_keeps_time_and_resume_continues(frozen: Skills, clock: FixedClock) -> None:
    """A paused timer's time stands still until it is resumed."""
    await say(frozen, "timer.start", duration_s=300, name="pasta")
    clock.now += 60
    assert await say(frozen, "timer.pause") == "I paused your pasta timer with 4 minutes left."
    assert await say(frozen, "timer.pause") == "Your pasta timer is already paused."
    clock.now += 600
    assert await say(frozen, "timer.status") == "Your pasta timer is paused with 4 minutes left."
    assert await say(frozen, "timer.resume") == "I resumed your pasta timer; 4 minutes to go."
    assert await say(frozen, "timer.resume") == "Your pasta timer is already running."
    clock.now += 30
    assert await say(frozen, "timer.status") == (
        "Your pasta timer has 3 minutes and 30 seconds left."
    )


async def test_pause_without_name_picks_the_only_running_one(frozen: Skills) -> None:
    """With one running and one paused timer, "pause" and "resume" need no name."""
    await say(frozen, "timer.start", duration_s=300, name="pasta")
    await say(frozen, "timer.start", duration_s=120, name="eggs")
    await say(frozen, "timer.pause", name="pasta")
    assert await say(frozen, "timer.pause") == "I paused your eggs timer with 2 minutes left."
    assert await say(frozen, "timer.pause") == "None of your timers is running."
    assert await say(frozen, "timer.resume") == "You have 2 timers: pasta and eggs. Which one?"


async def test_paused_timer_does_not_fire_until_resumed(
    skills: Skills, recorder: ReplyRecorder
) -> None:
    """Pausing stops the countdown; resuming lets the timer finish."""
    await say(skills, "timer.start", duration_s=0.4, name="tea")
    await say(skills, "timer.pause")
    await asyncio.sleep(0.6)
    assert recorder.replies == []
    await say(skills, "timer.resume")
    assert (await recorder.next()).text == "Your tea timer is done."


async def test_adjust_adds_and_removes_time(frozen: Skills) -> None:
    """Adjusting moves the end, for running and paused timers alike."""
    await say(frozen, "timer.start", duration_s=60, name="pasta")
    assert await say(frozen, "timer.adjust", delta_s=120) == (
        "I added 2 minutes; your pasta timer has 3 minutes left."
    )
    await say(frozen, "timer.pause")
    assert await say(frozen, "timer.adjust", delta_s=-30) == (
        "I took 30 seconds off; your pasta timer has 2 minutes and 30 seconds left."
    )
    assert await say(frozen, "timer.adjust") == "How much time should I add or take off?"


async def test_adjust_below_zero_fires_now(
    frozen: Skills, recorder: ReplyRecorder, db: aiosqlite.Connection
) -> None:
    """Taking off more time than is left ends the timer at once, never below zero."""
    await say(frozen, "timer.start", "u7", duration_s=60, name="pasta")
    assert await say(frozen, "timer.adjust", delta_s=-600) == (
        "That takes all the time off your pasta timer, so it ends now."
    )
    assert recorder.replies == [Reply("Your pasta timer is done.", utterance_id="u7", kind="timer")]
    assert await count_rows(db) == 0


async def test_close_cancels_tasks_and_keeps_rows(
    db: aiosqlite.Connection, recorder: ReplyRecorder
) -> None:
    """close() stops every timer task without firing it; the timers stay in the database."""
    skills = await Skills.start(db, recorder, timezone=UTC, adapters=PlatformAdapters())
    await say(skills, "timer.start", duration_s=0.3, name="pasta")
    await skills.close()
    await asyncio.sleep(0.5)
    assert recorder.replies == []
    assert await count_rows(db) == 1


async def test_a_deferred_load_fires_what_ended_only_once_loaded(
    db: aiosqlite.Connection, recorder: ReplyRecorder, clock: FixedClock
) -> None:
    """Started with defer_load, a timer that ended while the edge was off is published only by
    load(), so whoever must hear it can subscribe in between."""
    before = await Skills.start(
        db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters(), clock=clock
    )
    await say(before, "timer.start", "u1", duration_s=60, name="pasta")
    await before.close()
    clock.now += 120
    skills = await Skills.start(
        db, recorder, timezone=UTC, adapters=PlatformAdapters(), clock=clock, defer_load=True
    )
    try:
        await asyncio.sleep(0.1)
        assert recorder.replies == []
        await skills.load()
        ended = await recorder.next()
        assert (ended.utterance_id, ended.kind) == ("u1", "timer")
    finally:
        await skills.close()

"""Timers survive the skills (and the database connection) going away and coming back."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent, Reply

T0 = 1_800_000_000.0


async def test_running_timer_fires_after_restart(tmp_path: Path) -> None:
    """A timer set before a restart fires on time afterwards, for the utterance that set it."""
    before = ReplyRecorder()
    db = await open_database(tmp_path)
    skills = await Skills.start(db, before, timezone=UTC, adapters=PlatformAdapters())
    await skills.handle(Intent("timer.start", {"duration_s": 1, "name": "pasta"}), "u1")
    await skills.close()
    await db.close()

    after = ReplyRecorder()
    db = await open_database(tmp_path)
    skills = await Skills.start(db, after, timezone=UTC, adapters=PlatformAdapters())
    try:
        assert await after.next() == Reply(
            "Your pasta timer is done.", utterance_id="u1", kind="timer"
        )
        assert before.replies == []
    finally:
        await skills.close()
        await db.close()


async def test_timer_that_ended_while_off_fires_at_once_saying_so(tmp_path: Path) -> None:
    """A timer whose end passed while the edge was off fires at start-up and says how long ago."""
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters(), clock=lambda: T0
    )
    await skills.handle(Intent("timer.start", {"duration_s": 60, "name": "pasta"}), "u2")
    await skills.close()
    await db.close()

    recorder = ReplyRecorder()
    db = await open_database(tmp_path)
    later = FixedClock(T0 + 60 + 120)
    skills = await Skills.start(
        db, recorder, timezone=UTC, adapters=PlatformAdapters(), clock=later
    )
    try:
        assert await recorder.next() == Reply(
            "Your pasta timer finished 2 minutes ago, while I was off.",
            utterance_id="u2",
            kind="timer",
        )
        assert await skills.handle(Intent("timer.status"), "u3") == "You don't have any timers."
        async with db.execute("SELECT count(*) FROM timers") as cursor:
            assert tuple(await cursor.fetchone() or ()) == (0,)
    finally:
        await skills.close()
        await db.close()


async def test_paused_timer_stays_paused_across_restart(tmp_path: Path) -> None:
    """A paused timer comes back paused with the same time left, and does not fire."""
    clock = FixedClock(T0)
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters(), clock=clock
    )
    await skills.handle(Intent("timer.start", {"duration_s": 300, "name": "tea"}), "u4")
    clock.now += 60
    await skills.handle(Intent("timer.pause"), "u5")
    await skills.close()
    await db.close()

    clock.now += 3600
    recorder = ReplyRecorder()
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, recorder, timezone=UTC, adapters=PlatformAdapters(), clock=clock
    )
    try:
        assert await skills.handle(Intent("timer.status"), "u6") == (
            "Your tea timer is paused with 4 minutes left."
        )
        assert recorder.replies == []
    finally:
        await skills.close()
        await db.close()

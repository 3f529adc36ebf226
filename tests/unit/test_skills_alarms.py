"""Alarms through the Skills façade on a real SQLite database, with an injected clock and zone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from assistant.cloud_link import NoCloudLink
from assistant.conversation import Conversation, Identity
from assistant.database import open_database
from assistant.events import ReplyBus
from assistant.history import History
from assistant.platform import PlatformAdapters
from assistant.skills import AlarmSettings, Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent, Reply

NEW_YORK = ZoneInfo("America/New_York")
# Saturday 13 March 2027, 08:00 in New York; clocks spring forward the next night at 02:00.
SATURDAY_8AM = datetime(2027, 3, 13, 8, 0, tzinfo=NEW_YORK).timestamp()
FAST = AlarmSettings(snooze_min=10, ring_s=60.0, ring_every_s=0.02)
Slot = str | int | float | bool | None


def local(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, tz=NEW_YORK)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path)
    yield connection
    await connection.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SATURDAY_8AM)


@pytest.fixture
def recorder() -> ReplyRecorder:
    return ReplyRecorder()


@pytest.fixture
async def skills(
    db: aiosqlite.Connection, recorder: ReplyRecorder, clock: FixedClock
) -> AsyncIterator[Skills]:
    started = await Skills.start(
        db,
        recorder,
        timezone=NEW_YORK,
        adapters=PlatformAdapters(),
        clock=clock,
        alarm_settings=FAST,
    )
    yield started
    await started.close()


async def say(skills: Skills, intent: str, utterance_id: str = "u0", /, **slots: Slot) -> str:
    return await skills.handle(Intent(intent, slots), utterance_id)


async def rows(db: aiosqlite.Connection) -> list[tuple[str, str | None, str | None, float, int]]:
    query = "SELECT time, repeat, label, ring_at, snoozed FROM alarms ORDER BY ring_at"
    async with db.execute(query) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]  # type: ignore[misc]


async def ring_at(skills: Skills, clock: FixedClock, epoch_s: float) -> None:
    """Moves the injected clock and lets the scheduler look at it."""
    clock.now = epoch_s
    skills._alarms.recheck()
    await asyncio.sleep(0)


async def next_alarm(recorder: ReplyRecorder) -> Reply:
    while True:
        reply = await recorder.next(timeout_s=5)
        if reply.kind.startswith("alarm"):
            return reply


async def test_alarm_is_stored_and_the_reply_says_which_day(
    skills: Skills, db: aiosqlite.Connection
) -> None:
    """7 AM said at 8 AM is for tomorrow; 9 PM is for today; both rows hold the local instant."""
    assert await say(skills, "alarm.set", time="07:00") == "Alarm set for 7:00 AM tomorrow."
    assert await say(skills, "alarm.set", time="21:00", label="pills") == (
        "Pills alarm set for 9:00 PM today."
    )
    stored = await rows(db)
    assert [(t, local(at).isoformat()) for t, _, _, at, _ in stored] == [
        ("21:00", "2027-03-13T21:00:00-05:00"),
        ("07:00", "2027-03-14T07:00:00-04:00"),  # after the spring-forward night
    ]
    assert await say(skills, "alarm.list") == (
        "You have 2 alarms: pills at 9:00 PM today; 7:00 AM tomorrow."
    )


async def test_alarm_rings_with_its_label_until_stopped_then_is_gone(
    skills: Skills, recorder: ReplyRecorder, clock: FixedClock, db: aiosqlite.Connection
) -> None:
    """At its time an alarm rings again and again for its utterance; "stop" silences and ends it."""
    await say(skills, "alarm.set", "u1", time="09:30", label="gym")
    await ring_at(skills, clock, datetime(2027, 3, 13, 9, 30, tzinfo=NEW_YORK).timestamp())
    first, second = await next_alarm(recorder), await next_alarm(recorder)
    assert first == Reply("Gym alarm. It's 9:30 AM.", utterance_id="u1", kind="alarm")
    assert second == first
    assert await skills.stop_alarm() == "Alarm off."
    assert await rows(db) == []
    recorder.replies.clear()
    await asyncio.sleep(0.1)
    assert [r for r in recorder.replies if r.kind == "alarm"] == []


async def test_ring_is_kept_in_history(
    skills: Skills, recorder: ReplyRecorder, clock: FixedClock, db: aiosqlite.Connection
) -> None:
    """A ring shows in `jarvis history` with what was said."""
    await say(skills, "alarm.set", time="10:00")
    await ring_at(skills, clock, datetime(2027, 3, 13, 10, 0, tzinfo=NEW_YORK).timestamp())
    await next_alarm(recorder)
    await skills.stop_alarm()
    records = await History(db).recent(5)
    assert [(r.text, r.reply) for r in records] == [("(alarm 10:00)", "Wake up. It's 10:00 AM.")]


async def test_snooze_rings_again_after_the_minutes_asked(
    skills: Skills, recorder: ReplyRecorder, clock: FixedClock, db: aiosqlite.Connection
) -> None:
    """Snooze silences the ring and moves it 5 (or the default 10) minutes on, in the store."""
    assert await say(skills, "alarm.snooze") == "No alarm is ringing."
    await say(skills, "alarm.set", time="09:00")
    nine = datetime(2027, 3, 13, 9, 0, tzinfo=NEW_YORK).timestamp()
    await ring_at(skills, clock, nine)
    await next_alarm(recorder)
    assert await say(skills, "alarm.snooze", minutes=5) == "Snoozed for 5 minutes, until 9:05 AM."
    assert await rows(db) == [("09:00", None, None, nine + 300, 1)]
    await ring_at(skills, clock, nine + 300)
    assert (await next_alarm(recorder)).text == "Wake up. It's 9:05 AM."
    assert await say(skills, "alarm.snooze") == "Snoozed for 10 minutes, until 9:15 AM."
    await ring_at(skills, clock, nine + 900)
    await next_alarm(recorder)
    assert await say(skills, "alarm.cancel") == "Alarm off."
    assert await rows(db) == []


async def test_daily_alarm_rings_at_the_same_wall_time_across_the_dst_change(
    skills: Skills, recorder: ReplyRecorder, clock: FixedClock, db: aiosqlite.Connection
) -> None:
    """A daily 7:00 rings at 7:00 local on both sides of spring forward: 23 hours apart."""
    assert await say(skills, "alarm.set", time="07:00", repeat="daily") == (
        "Alarm set for 7:00 AM every day; the first rings tomorrow."
    )
    sunday = datetime(2027, 3, 14, 7, 0, tzinfo=NEW_YORK).timestamp()
    assert (await rows(db))[0][3] == sunday
    await ring_at(skills, clock, sunday)
    assert (await next_alarm(recorder)).text == "Wake up. It's 7:00 AM."
    assert await skills.stop_alarm() == "Alarm off. It rings again tomorrow at 7:00 AM."
    monday = (await rows(db))[0][3]
    assert local(monday).isoformat() == "2027-03-15T07:00:00-04:00"
    assert monday - sunday == 24 * 3600
    assert sunday - datetime(2027, 3, 13, 7, 0, tzinfo=NEW_YORK).timestamp() == 23 * 3600


async def test_weekday_alarm_skips_the_weekend(
    skills: Skills, db: aiosqlite.Connection, recorder: ReplyRecorder, clock: FixedClock
) -> None:
    """Set on a Saturday, a weekday alarm first rings on Monday, then Tuesday."""
    assert await say(skills, "alarm.set", time="06:45", repeat="weekdays") == (
        "Alarm set for 6:45 AM every weekday; the first rings on Monday."
    )
    monday = datetime(2027, 3, 15, 6, 45, tzinfo=NEW_YORK).timestamp()
    assert (await rows(db))[0][3] == monday
    await ring_at(skills, clock, monday)
    await next_alarm(recorder)
    await skills.stop_alarm()
    assert local((await rows(db))[0][3]).isoformat() == "2027-03-16T06:45:00-04:00"


async def test_unanswered_alarm_gives_up_after_the_ring_time(
    skills: Skills, recorder: ReplyRecorder, clock: FixedClock, db: aiosqlite.Connection
) -> None:
    """Past the ring time-out a one-off alarm stops ringing by itself and is removed."""
    await say(skills, "alarm.set", time="09:00")
    nine = datetime(2027, 3, 13, 9, 0, tzinfo=NEW_YORK).timestamp()
    await ring_at(skills, clock, nine)
    await next_alarm(recorder)
    clock.now = nine + FAST.ring_s + 1
    for _ in range(100):
        if not await rows(db):
            break
        await asyncio.sleep(0.02)
    assert await rows(db) == []
    assert await skills.stop_alarm() is None


async def test_cancel_by_time_all_and_which(skills: Skills, db: aiosqlite.Connection) -> None:
    """Cancelling names the alarm; with several and no time it asks which; "all" clears them."""
    assert await say(skills, "alarm.cancel") == "You don't have any alarms."
    await say(skills, "alarm.set", time="07:00")
    await say(skills, "alarm.set", time="06:45", repeat="weekdays", label="work")
    assert await say(skills, "alarm.cancel") == (
        "You have 2 alarms: 7:00 AM tomorrow; work at 6:45 AM every weekday, next Monday. "
        "Which one?"
    )
    assert await say(skills, "alarm.cancel", time="08:00") == (
        "You don't have an alarm for 8:00 AM."
    )
    assert await say(skills, "alarm.cancel", time="07:00") == (
        "I cancelled your alarm: 7:00 AM tomorrow."
    )
    await say(skills, "alarm.set", time="07:00")
    assert await say(skills, "alarm.cancel", all=True) == "I cancelled all 2 alarms."
    assert await rows(db) == []


async def test_bad_or_duplicate_alarms_are_refused(skills: Skills) -> None:
    """No time, a bad time or repeat asks again; the same alarm twice is refused."""
    assert await say(skills, "alarm.set") == "What time should the alarm be for?"
    assert await say(skills, "alarm.set", time="25:00") == "What time should the alarm be for?"
    assert await say(skills, "alarm.set", time="07:00", repeat="fortnightly") == (
        "What time should the alarm be for?"
    )
    await say(skills, "alarm.set", time="07:00", date="monday")
    assert await say(skills, "alarm.set", time="07:00", date="monday") == (
        "You already have an alarm for 7:00 AM on Monday."
    )


async def test_alarm_survives_a_restart_and_one_missed_while_off_is_reported(
    tmp_path: Path,
) -> None:
    """Alarms come back after a restart; one whose ring passed while off is said once, then gone."""
    clock = FixedClock(SATURDAY_8AM)
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, ReplyRecorder(), timezone=NEW_YORK, adapters=PlatformAdapters(), clock=clock,
        alarm_settings=FAST,
    )  # fmt: skip
    await say(skills, "alarm.set", "u1", time="09:00")
    await say(skills, "alarm.set", "u2", time="07:00", repeat="daily")
    await skills.close()
    await db.close()

    clock.now = datetime(2027, 3, 13, 11, 0, tzinfo=NEW_YORK).timestamp()
    recorder = ReplyRecorder()
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, recorder, timezone=NEW_YORK, adapters=PlatformAdapters(), clock=clock,
        alarm_settings=FAST,
    )  # fmt: skip
    try:
        assert await next_alarm(recorder) == Reply(
            "Your alarm for 9:00 AM today went off while I was off.",
            utterance_id="u1",
            kind="alarm_missed",
        )
        assert await say(skills, "alarm.list") == (
            "You have one alarm: 7:00 AM every day, next tomorrow."
        )
    finally:
        await skills.close()
        await db.close()


async def test_saying_stop_silences_a_ringing_alarm(
    db: aiosqlite.Connection, skills: Skills, recorder: ReplyRecorder, clock: FixedClock
) -> None:
    """ "Stop" through the conversation ends the ring ("Alarm off."); with nothing ringing it is
    the plain "Okay."."""
    conversation = Conversation(
        identity=Identity(device_id="d", session_id="s"), skills=skills, history=History(db),
        bus=ReplyBus(), cloud=NoCloudLink(),
    )  # fmt: skip
    await say(skills, "alarm.set", time="09:00")
    await ring_at(skills, clock, datetime(2027, 3, 13, 9, 0, tzinfo=NEW_YORK).timestamp())
    await next_alarm(recorder)
    assert (await conversation.submit("stop")).reply == "Alarm off."
    assert (await conversation.submit("stop")).reply == "Okay."
    await conversation.close()


async def test_a_new_time_zone_keeps_the_wall_time(
    skills: Skills, db: aiosqlite.Connection
) -> None:
    """When the cloud moves the device to Lisbon, a 7:00 alarm rings at 7:00 Lisbon time."""
    await say(skills, "alarm.set", time="07:00", label="work")
    lisbon = ZoneInfo("Europe/Lisbon")
    skills.set_timezone(lisbon)
    for _ in range(100):
        ring = (await rows(db))[0][3]
        if datetime.fromtimestamp(ring, tz=lisbon).hour == 7:
            break
        await asyncio.sleep(0.01)
    assert datetime.fromtimestamp(ring, tz=lisbon).isoformat() == "2027-03-14T07:00:00+00:00"
    assert await say(skills, "alarm.list") == "You have one alarm: work at 7:00 AM tomorrow."

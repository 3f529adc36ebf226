"""The edge's history of published replies (``assistant.event_log``) on its real database."""

from __future__ import annotations

import time
from pathlib import Path

from assistant.database import open_database
from assistant.event_log import EventLog
from assistant.events import WAKE_EVENT_KIND, Event
from models import Reply, WakeHeard


async def test_alerts_are_what_happened_not_answers_nor_wakes(tmp_path: Path) -> None:
    """``jarvis history`` lists alerts from here: a timer that rang and a reminder, never an
    answer, a progress report or the wake word heard (which would show as empty rows and push
    real alerts past the limit). A wake kept for replay keeps how it was heard."""
    wake = Reply("", kind=WAKE_EVENT_KIND, woke=WakeHeard("whisper check", 0.991))
    published = [
        Reply("Timer set for 5 seconds.", "u1"),
        wake,
        Reply("Working on it…", "u2", kind="progress"),
        Reply("Your 5 second timer is done.", kind="timer"),
        wake,
        Reply("Reminder: stretch.", kind="reminder"),
    ]
    db = await open_database(tmp_path)
    try:
        log = EventLog(db)
        for number, reply in enumerate(published, start=1):
            await log.add(Event(number, time.time(), reply))
        alerts = await log.alerts(2)
        kept = await log.recent(10)
    finally:
        await db.close()
    assert [event.reply.text for event in alerts] == [
        "Your 5 second timer is done.",
        "Reminder: stretch.",
    ]
    assert [event.reply for event, _ in kept] == published

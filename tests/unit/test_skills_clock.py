"""Time and date in the configured timezone, from an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent

# 2026-11-29 20:05 UTC is 3:05 PM in New York (EST, UTC-5).
MOMENT = datetime(2026, 11, 29, 20, 5, 30, tzinfo=UTC).timestamp()


async def ask(tmp_path: Path, intent: str, tz: timezone | ZoneInfo) -> str:
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, ReplyRecorder(), timezone=tz, adapters=PlatformAdapters(), clock=FixedClock(MOMENT)
    )
    try:
        return await skills.handle(Intent(intent), "u1")
    finally:
        await skills.close()
        await db.close()


async def test_time_is_said_in_the_configured_timezone(tmp_path: Path) -> None:
    """The time is local to the configured timezone, on a 12-hour clock."""
    assert await ask(tmp_path, "time.now", ZoneInfo("America/New_York")) == "It's 3:05 PM."
    assert await ask(tmp_path, "time.now", UTC) == "It's 8:05 PM."


async def test_date_changes_with_the_timezone(tmp_path: Path) -> None:
    """The date is the one in the configured timezone, which may already be tomorrow."""
    assert await ask(tmp_path, "date.today", UTC) == "Today is Sunday, November 29, 2026."
    tokyo_ish = timezone(timedelta(hours=9))
    assert await ask(tmp_path, "date.today", tokyo_ish) == "Today is Monday, November 30, 2026."

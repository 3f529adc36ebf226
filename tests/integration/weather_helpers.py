"""An edge conversation with the weather skill on a real database, and a forecast to keep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant.cloud_link import CloudLink
from assistant.conversation import Conversation, Identity
from assistant.database import open_database
from assistant.events import ReplyBus
from assistant.history import History
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FakeCloudLink, FixedClock
from assistant.weather_cache import WeatherCache
from models.weather import CurrentWeather, DayWeather, Forecast

LISBON = ZoneInfo("Europe/Lisbon")
FETCHED = datetime(2026, 12, 2, 13, 0, tzinfo=LISBON)


class OfflineCloud(FakeCloudLink):
    """A link whose cloud is out of reach: what is forwarded waits (like the edge's outbox)."""

    def is_connected(self) -> bool:
        return False


def lisbon_forecast() -> Forecast:
    codes, lows, highs = (3, 61, 80, 2, 0, 63, 95), (11, 14, 13, 10, 10, 10, 10), (17, 19, 17) * 3
    today = FETCHED.date()
    days = tuple(
        DayWeather((today + timedelta(days=i)).isoformat(), codes[i], lows[i], highs[i])
        for i in range(7)
    )
    current = CurrentWeather("2026-12-02T13:00", 16.6, 3)
    return Forecast("Lisbon", 38.72, -9.14, "Europe/Lisbon", FETCHED.timestamp(), current, days)


@asynccontextmanager
async def edge(
    tmp_path: Path, cloud: CloudLink, clock: FixedClock, bus: ReplyBus | None = None
) -> AsyncIterator[tuple[Conversation, WeatherCache]]:
    """A conversation whose skills read ``clock``; replies go to ``bus``."""
    bus = bus or ReplyBus()
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, bus.publish, timezone=LISBON, adapters=PlatformAdapters(), clock=clock
    )
    conversation = Conversation(
        identity=Identity(device_id="d", session_id="s"),
        skills=skills,
        history=History(db),
        bus=bus,
        cloud=cloud,
    )
    try:
        yield conversation, WeatherCache(db)
    finally:
        await conversation.close()
        await skills.close()
        await db.close()

"""This device's own forecast as the cloud last pushed it, kept so the edge can say the weather
itself, offline too. The cloud is the truth: it pushes a new copy whenever it renews its own."""

from __future__ import annotations

import json

import aiosqlite
import structlog

from models import DecodeError
from models.weather import Forecast

log = structlog.get_logger(__name__)


class WeatherCache:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def store(self, forecast: Forecast, received_at: float) -> None:
        """Keep ``forecast`` unless the one kept is newer (pushes may arrive out of order)."""
        kept = await self.load()
        if kept is not None and kept.fetched_at > forecast.fetched_at:
            return
        await self._db.execute(
            """INSERT INTO weather_forecast (singleton, forecast, received_at) VALUES (1, ?, ?)
               ON CONFLICT (singleton) DO UPDATE SET
                   forecast = excluded.forecast, received_at = excluded.received_at""",
            (json.dumps(forecast.to_wire()), received_at),
        )
        await self._db.commit()

    async def load(self) -> Forecast | None:
        """The kept forecast; None when the cloud never sent one (or it cannot be read)."""
        async with self._db.execute(
            "SELECT forecast FROM weather_forecast WHERE singleton = 1"
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        try:
            return Forecast.from_wire(json.loads(row[0]))
        except (ValueError, DecodeError) as error:
            log.warning("weather.kept_unreadable", error=str(error))
            return None

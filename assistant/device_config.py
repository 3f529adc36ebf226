"""This device's settings as the cloud last gave them, cached so the edge works without it.

The cloud is the source of truth. The copy here is refreshed when the cloud pushes a change and
when it is older than its TTL; while the cloud is unreachable the edge keeps using it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiosqlite

DEFAULT_TTL_S = 300.0


class ConfigCache:
    def __init__(
        self,
        db: aiosqlite.Connection,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._clock = clock

    async def store(self, settings: Mapping[str, Any]) -> None:
        await self._db.execute(
            """INSERT INTO device_config (singleton, settings, fetched_at) VALUES (1, ?, ?)
               ON CONFLICT (singleton) DO UPDATE SET
                   settings = excluded.settings, fetched_at = excluded.fetched_at""",
            (json.dumps(dict(settings)), self._clock()),
        )
        await self._db.commit()

    async def load(self) -> dict[str, Any]:
        """The cached settings; empty when the cloud never sent any."""
        row = await self._row()
        return {} if row is None else dict(json.loads(row[0]))

    async def stale(self) -> bool:
        """True when there is no copy, or it is older than the TTL."""
        row = await self._row()
        return row is None or self._clock() - float(row[1]) >= self._ttl_s

    async def _row(self) -> Any:
        async with self._db.execute(
            "SELECT settings, fetched_at FROM device_config WHERE singleton = 1"
        ) as cursor:
            return await cursor.fetchone()

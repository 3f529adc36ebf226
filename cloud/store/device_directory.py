"""The enrolled devices' names and settings, as the request path needs them, kept in memory.

A copy of PostgreSQL, never the truth: it is read whole, and dropped when a trigger notifies that
a device was enrolled, renamed, revoked or re-configured (``jarvis_devices``, on every instance),
when the notification connection was lost (notifications may have been missed), and after
``MAX_AGE_S`` in any case. A device missing from a copy older than its enrollment is looked up
again before it is called unknown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from jarvis.tasks import cancel_and_wait

DEVICES_CHANNEL = "jarvis_devices"
MAX_AGE_S = 60.0
LOAD_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class _Copy:
    settings: Mapping[str, Mapping[str, Any]]
    """device id → its settings, for every enrolled device (revoked ones too)."""
    names: Sequence[str]
    """Names of the devices whose token is valid."""
    generation: int
    """The invalidation count when the read began: a change notified since makes it stale."""
    read_at: float


class DeviceDirectory:
    """``settings_of`` and ``names`` for one cloud instance."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._copy: _Copy | None = None
        self._generation = 0
        self._loading: asyncio.Task[_Copy] | None = None

    def invalidate(self) -> None:
        """Something changed (or may have): the next lookup reads the devices again."""
        self._generation += 1

    async def settings_of(self, device_id: str) -> Mapping[str, Any] | None:
        """The device's settings; None when no such device is enrolled."""
        found = (await self._current()).settings.get(device_id)
        if found is None:
            # Enrolled elsewhere a moment ago, its notification still on the way: read again.
            self.invalidate()
            found = (await self._current()).settings.get(device_id)
        return found

    async def names(self) -> Sequence[str]:
        return (await self._current()).names

    async def close(self) -> None:
        if self._loading is not None:
            await cancel_and_wait(self._loading)

    async def _current(self) -> _Copy:
        copy = self._copy
        if (
            copy is not None
            and copy.generation == self._generation
            and time.monotonic() - copy.read_at < MAX_AGE_S
        ):
            return copy
        if self._loading is None or self._loading.done():
            # One read at a time, shared by every request that finds the copy stale meanwhile.
            self._loading = asyncio.create_task(self._load())
        copy = await asyncio.shield(self._loading)
        self._copy = copy
        return copy

    async def _load(self) -> _Copy:
        generation = self._generation
        read_at = time.monotonic()
        rows = await self._pool.fetch(
            "SELECT id, name, settings, revoked_at IS NULL AS valid FROM devices",
            timeout=LOAD_TIMEOUT_S,
        )
        return _Copy(
            settings={row["id"]: row["settings"] for row in rows},
            names=tuple(row["name"] for row in rows if row["valid"]),
            generation=generation,
            read_at=read_at,
        )

"""Choosing the worker for a mission: capable, live, lightly loaded and close to the asker.

A worker is live when it holds a link and was heard from recently (every frame counts, and
heartbeats come every 10 s). Among the live workers that have every capability a mission needs,
the one with the lowest score wins: its load (0 idle … 1 saturated, from the last heartbeat's
cpu and memory percent) plus its distance from the asking device, where ``DISTANCE_SCALE_KM``
weighs as much as a saturated machine.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from cloud.store import device_state
from cloud.store.devices import ONLINE_WITHIN_S
from models import Location

DISTANCE_SCALE_KM = 100.0
"""A worker this far away scores as badly as one whose cpu and memory are full."""
UNKNOWN_LOAD = 0.5
UNKNOWN_DISTANCE = 0.5
"""Score for a worker (or asker) without a location: as if ``DISTANCE_SCALE_KM / 2`` away."""


@dataclass(frozen=True, slots=True)
class Worker:
    """A device that could take a mission, as routing sees it."""

    id: str
    name: str
    load: float | None
    """0 (idle) to 1 (cpu and memory full), from the last heartbeat; None: never reported."""
    location: Location | None

    def score(self, origin: Location | None) -> float:
        """Lower is better: load plus distance from ``origin`` in units of the scale."""
        load = UNKNOWN_LOAD if self.load is None else self.load
        if origin is None or self.location is None:
            return load + UNKNOWN_DISTANCE
        return load + self.location.distance_km(origin) / DISTANCE_SCALE_KM


def rank(workers: Iterable[Worker], origin: Location | None) -> list[Worker]:
    """Best first; ties by name, so the choice is stable."""
    return sorted(workers, key=lambda worker: (worker.score(origin), worker.name.lower()))


def location_of(row: Mapping[str, Any]) -> Location | None:
    if row["lat"] is None or row["lon"] is None:
        return None
    return Location(lat=row["lat"], lon=row["lon"])


def load_of(load: Mapping[str, Any] | None) -> float | None:
    if not load:
        return None
    cpu, memory = load.get("cpu_percent"), load.get("memory_percent")
    if not isinstance(cpu, int | float) or not isinstance(memory, int | float):
        return None
    return min(max((float(cpu) + float(memory)) / 200.0, 0.0), 1.0)


async def device_location(conn: asyncpg.Connection, device_id: str | None) -> Location | None:
    if device_id is None:
        return None
    return await device_state.location(conn, device_id)


async def live_workers(
    conn: asyncpg.Connection,
    capabilities: Collection[str],
    *,
    device_name: str | None = None,
    exclude: Collection[str] = (),
    seen_within_s: float = ONLINE_WITHIN_S,
) -> list[Worker]:
    """Live, unrevoked devices with every one of ``capabilities`` (and the name, if given)."""
    found = await device_state.live(
        conn,
        capabilities,
        device_name=device_name,
        exclude=exclude,
        seen_within_s=min(seen_within_s, ONLINE_WITHIN_S),
    )
    return [
        Worker(id=each.id, name=each.name, load=load_of(each.load), location=each.location)
        for each in found
    ]


async def choose(
    conn: asyncpg.Connection,
    capabilities: Collection[str],
    *,
    asker: str | None,
    device_name: str | None = None,
    exclude: Collection[str] = (),
    seen_within_s: float = ONLINE_WITHIN_S,
) -> Worker | None:
    """The best live worker for a mission asked by ``asker``; None when none can take it."""
    found = await live_workers(
        conn,
        capabilities,
        device_name=device_name,
        exclude=exclude,
        seen_within_s=seen_within_s,
    )
    if not found:
        return None
    return rank(found, await device_location(conn, asker))[0]

"""The mission supervisor: one task per cloud instance that moves missions off lapsed workers,
routes waiting missions, and forgets confirmations nobody answered.

Each pass claims rows with ``FOR UPDATE SKIP LOCKED``, so instances share the work and a mission
is failed over once. A worker's lease lapses when its device has not been seen for ``lease_s``.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from cloud.missions import lifecycle as missions
from cloud.store import confirmations
from cloud.store import missions as stored_missions
from cloud.store.database import ACQUIRE_TIMEOUT_S
from jarvis.logs import traced

log = structlog.get_logger(__name__)


async def reassign_lapsed(pool: asyncpg.Pool, lease_s: float) -> int:
    """Move missions off workers whose lease lapsed; returns how many were moved or requeued."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        rows = await stored_missions.claim_lapsed(conn, lease_s, limit=missions.BATCH)
        for row in rows:
            await _fail_over(conn, row, lease_s)
    return len(rows)


async def _fail_over(conn: asyncpg.Connection, row: asyncpg.Record, lease_s: float) -> None:
    old = row["assigned_to"]
    with traced(mission_id=row["id"]):
        log.warning("mission lease lapsed", worker=old)
        await missions.event(conn, row, "lease_lapsed", old, {"worker": old, "lease_s": lease_s})
        if old is not None:
            await missions.stop_attempt(conn, old, row, "lease lapsed")
        exclude = [old] if old is not None else []
        worker = await missions.route(
            conn, row, exclude=exclude, seen_within_s=lease_s, reassigned_from=old
        )
        if worker is None:
            await stored_missions.requeue(conn, row["id"])
            await missions.event(conn, row, "requeued", None, {"reason": "no other capable worker"})


async def assign_queued(pool: asyncpg.Pool, lease_s: float) -> int:
    """Route waiting missions (a capable worker may have connected to another instance)."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        rows = await stored_missions.claim_queued(conn, limit=missions.BATCH)
        return await missions.route_all(conn, rows, lease_s)


async def expire_confirmations(pool: asyncpg.Pool) -> int:
    """Forget confirmations nobody answered in time (silence cancels)."""
    return await confirmations.expire(pool)


async def supervise_once(pool: asyncpg.Pool, config: missions.MissionConfig) -> None:
    await reassign_lapsed(pool, config.lease_s)
    await assign_queued(pool, config.lease_s)
    await expire_confirmations(pool)


async def run_supervisor(pool: asyncpg.Pool, config: missions.MissionConfig) -> None:
    """Check leases, waiting missions and confirmations every ``check_every_s``, forever."""
    while True:
        try:
            await supervise_once(pool, config)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("mission supervisor failed; retrying", error=str(error))
        except Exception:
            log.exception("mission supervisor crashed; retrying")
        await asyncio.sleep(config.check_every_s)

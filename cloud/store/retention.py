"""Forgetting what has served its purpose, so the tables the request path writes stay small.

Every hour (give or take, so instances spread out), rows older than the retention go, a chunk
at a time so no statement holds locks for long: handled message ids (an edge re-sends within
minutes or days, not months), messages the edges acked, and trace events. Messages not yet
acked stay however old they are. Several instances may sweep at once; a row goes once.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import asyncpg
import structlog

log = structlog.get_logger(__name__)

SWEEP_EVERY_S = 3600.0
CHUNK = 5000
"""Rows deleted per statement at most."""
STATEMENT_TIMEOUT_S = 60.0

_OLD_ROWS = {
    "processed_messages": "processed_at < now() - $1::interval",
    # created_at first: implied by the second, and what the BRIN index can narrow by.
    "outbox": "created_at < now() - $1::interval AND delivered_at < now() - $1::interval",
    "trace_events": "ts < now() - $1::interval",
}


async def sweep(pool: asyncpg.Pool, keep: timedelta, *, chunk: int = CHUNK) -> dict[str, int]:
    """Delete the rows older than ``keep``; returns how many went, per table."""
    removed = {}
    for table, old in _OLD_ROWS.items():
        statement = (
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY("
            f"SELECT ctid FROM {table} WHERE {old} LIMIT $2 FOR UPDATE SKIP LOCKED))"
        )
        total = 0
        while True:
            status = await pool.execute(statement, keep, chunk, timeout=STATEMENT_TIMEOUT_S)
            count = int(status.split()[-1])
            total += count
            if count < chunk:
                break
        removed[table] = total
    return removed


async def run_sweeper(pool: asyncpg.Pool, keep: timedelta) -> None:
    """Sweep now and about every ``SWEEP_EVERY_S`` until cancelled."""
    while True:
        try:
            removed = await sweep(pool, keep)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("retention sweep failed; trying again later", error=str(error))
        else:
            if any(removed.values()):
                log.info("old rows removed", keep_days=keep.days, **removed)
        await asyncio.sleep(SWEEP_EVERY_S * random.uniform(0.9, 1.1))

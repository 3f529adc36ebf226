"""Questions waiting for a yes: one per device, forgotten when answered or after a while."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from cloud.store.traces import INSERT as TRACE_INSERT


@dataclass(frozen=True, slots=True)
class Answered:
    """A confirmation taken back by its answer."""

    spec: dict[str, Any]
    request_id: str
    trace_id: str
    live: bool
    """False when it had expired already (the supervisor had not swept it yet)."""


async def ask(
    conn: asyncpg.Connection,
    device_id: str,
    *,
    spec: dict[str, Any],
    request_id: str,
    trace_id: str,
    within_s: float,
) -> None:
    """Wait ``within_s`` for the device's yes to ``spec``, replacing a question it had."""
    await conn.execute(
        "INSERT INTO pending_confirmations (device_id, spec, request_id, trace_id, expires_at)"
        " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))"
        " ON CONFLICT (device_id) DO UPDATE SET spec = excluded.spec,"
        " request_id = excluded.request_id, trace_id = excluded.trace_id,"
        " created_at = now(), expires_at = excluded.expires_at",
        device_id,
        spec,
        request_id,
        trace_id,
        float(within_s),
    )


async def take(conn: asyncpg.Connection, device_id: str) -> Answered | None:
    """Remove the device's question and return it; None when it had none."""
    row = await conn.fetchrow(
        "DELETE FROM pending_confirmations WHERE device_id = $1"
        " RETURNING spec, request_id, trace_id, expires_at > now() AS live",
        device_id,
    )
    if row is None:
        return None
    return Answered(row["spec"], row["request_id"], row["trace_id"], row["live"])


async def expire(pool: asyncpg.Pool) -> int:
    """Forget the questions nobody answered in time, each with a trace event; how many."""
    rows = await pool.fetch(
        "WITH gone AS (DELETE FROM pending_confirmations WHERE expires_at <= now()"
        " RETURNING device_id, trace_id, spec)"
        f" {TRACE_INSERT} SELECT trace_id, 'cloud', device_id, 'confirmation.expired',"
        " jsonb_build_object('summary', spec->>'summary') FROM gone RETURNING id"
    )
    return len(rows)

"""Trace events: one row per message the cloud handles, so ``jarvis trace ID`` can tell a story."""

from __future__ import annotations

from typing import Any

import asyncpg

INSERT = "INSERT INTO trace_events (trace_id, source, device_id, kind, detail)"
"""The head of an event insert, for statements that store an event with the rows it is about
(one round trip instead of two on the request path)."""


async def record(
    conn: asyncpg.Connection,
    trace_id: str,
    kind: str,
    *,
    device_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Store one event (inside the caller's transaction, when it has one)."""
    await conn.execute(
        f"{INSERT} VALUES ($1, 'cloud', $2, $3, $4)",
        trace_id,
        device_id,
        kind,
        detail or {},
    )


async def record_edge_event(
    pool: asyncpg.Pool,
    *,
    message_id: str,
    device_id: str,
    trace_id: str,
    ts: float,
    kind: str,
    detail: dict[str, Any],
) -> None:
    """Store an edge's own event (``ts`` on its clock) once per message id, and count the
    message as a sign of the device's life, in one statement."""
    await pool.execute(
        "WITH processed AS (INSERT INTO processed_messages (id, device_id, type)"
        " VALUES ($1, $2, 'trace_event') ON CONFLICT (id) DO NOTHING RETURNING id),"
        " seen AS (UPDATE devices SET last_seen = now() WHERE id = $2)"
        " INSERT INTO trace_events (trace_id, ts, source, device_id, kind, detail)"
        " SELECT $3, to_timestamp($4), 'edge', $2, $5, $6 FROM processed",
        message_id,
        device_id,
        trace_id,
        ts,
        kind,
        detail,
    )


async def events_of(pool: asyncpg.Pool, trace_id: str) -> list[asyncpg.Record]:
    """The trace's cloud and edge events by time: ``ts, source, device_id, device_name, kind,
    detail``."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT t.ts, t.source, t.device_id, d.name AS device_name, t.kind, t.detail"
        " FROM trace_events t LEFT JOIN devices d ON d.id = t.device_id"
        " WHERE t.trace_id = $1 ORDER BY t.ts, t.id",
        trace_id,
    )
    return rows


async def involved(pool: asyncpg.Pool, trace_id: str, device_id: str) -> bool:
    """Whether the device took part in the trace (an event of its own, or a mission it asked)."""
    found = await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM trace_events WHERE trace_id = $1 AND device_id = $2)"
        " OR EXISTS (SELECT 1 FROM missions WHERE trace_id = $1 AND requested_by = $2)",
        trace_id,
        device_id,
    )
    return bool(found)

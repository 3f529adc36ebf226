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

"""Missions in PostgreSQL: their rows, checkpoints and event log, read and written.

A mission row (``asyncpg.Record``, every column of ``missions``; some reads add ``worker_name``
and ``asker_name``) is what the mission logic in ``cloud.missions`` passes around. Every
function runs in the caller's transaction when given a connection inside one; the ``claim_…``
and ``lock…`` reads lock their rows until it ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import asyncpg

from cloud.store.traces import INSERT as TRACE_INSERT
from models.missions import Checkpoint

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool

_WITH_WORKER = "m.*, d.name AS worker_name"
"""A mission row with its worker's name (``missions m LEFT JOIN devices d``)."""
_WITH_NAMES = (
    "SELECT m.*, d.name AS worker_name, r.name AS asker_name FROM missions m"
    " LEFT JOIN devices d ON d.id = m.assigned_to"
    " LEFT JOIN devices r ON r.id = m.requested_by"
)
"""Mission rows with their worker's and their asker's names."""


# ---- writing --------------------------------------------------------------------------------


async def insert(
    conn: asyncpg.Connection,
    *,
    mission_id: str,
    kind: str,
    steps: list[dict[str, Any]],
    summary: str,
    idempotency_key: str,
    trace_id: str,
    requested_by: str | None,
    utterance_id: str | None,
    capabilities: list[str],
    device_name: str | None,
) -> asyncpg.Record | None:
    """The new mission's row; None when ``idempotency_key`` was used already (nothing stored)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "INSERT INTO missions (id, kind, steps, summary, idempotency_key, trace_id, requested_by,"
        " utterance_id, capabilities, device_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
        " $10) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *",
        mission_id,
        kind,
        steps,
        summary,
        idempotency_key,
        trace_id,
        requested_by,
        utterance_id,
        capabilities,
        device_name,
    )
    return row


async def id_for_key(conn: asyncpg.Connection, idempotency_key: str) -> str:
    """The id of the mission stored with ``idempotency_key`` (the caller knows there is one)."""
    found: str = await conn.fetchval(
        "SELECT id FROM missions WHERE idempotency_key = $1", idempotency_key
    )
    return found


async def mark_assigned(
    conn: asyncpg.Connection, mission_id: str, worker_id: str, attempt: int
) -> None:
    await conn.execute(
        "UPDATE missions SET state = 'assigned', assigned_to = $2, attempt = $3,"
        " assigned_at = now(), updated_at = now() WHERE id = $1",
        mission_id,
        worker_id,
        attempt,
    )


async def mark_running(conn: asyncpg.Connection, mission_id: str) -> None:
    await conn.execute(
        "UPDATE missions SET state = 'running', updated_at = now() WHERE id = $1", mission_id
    )


async def requeue(conn: asyncpg.Connection, mission_id: str) -> None:
    """Back in the queue, assigned to nobody."""
    await conn.execute(
        "UPDATE missions SET state = 'queued', assigned_to = NULL, updated_at = now()"
        " WHERE id = $1",
        mission_id,
    )


async def mark_cancelled(conn: asyncpg.Connection, mission_id: str, reason: str) -> None:
    await conn.execute(
        "UPDATE missions SET state = 'cancelled', result_ok = false, result_error = $2,"
        " finished_at = now(), updated_at = now() WHERE id = $1",
        mission_id,
        reason,
    )


async def finish(
    conn: asyncpg.Connection,
    mission_id: str,
    device_id: str,
    *,
    ok: bool,
    output: str,
    error: str | None,
    attempt: int | None,
) -> asyncpg.Record | None:
    """Store the result of the mission ``device_id`` runs (of ``attempt``, when given); its row
    with ``worker_name``, or None when that worker no longer holds an unfinished attempt.

    A resumed mission's output starts with what the steps run by an earlier worker printed
    (their checkpoints keep it), so its asker hears the whole mission."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "UPDATE missions SET state = $3, result_ok = $4, result_error = $6,"
        " result_output = concat_ws(E'\\n', (SELECT string_agg(c.data->>'output', E'\\n'"
        " ORDER BY c.step_index) FROM mission_checkpoints c WHERE c.mission_id = missions.id"
        " AND c.attempt < missions.attempt AND c.data->>'output' <> ''), NULLIF($5, '')),"
        " finished_at = now(), updated_at = now()"
        " WHERE id = $1 AND assigned_to = $2 AND state IN ('assigned', 'running')"
        " AND ($7::integer IS NULL OR attempt = $7)"
        " RETURNING *, (SELECT name FROM devices WHERE id = $2) AS worker_name",
        mission_id,
        device_id,
        "succeeded" if ok else "failed",
        ok,
        output,
        error,
        attempt,
    )
    return row


async def log_event(
    conn: asyncpg.Connection,
    *,
    mission_id: str,
    trace_id: str,
    kind: str,
    device_id: str | None,
    detail: dict[str, Any],
) -> None:
    """One entry in the mission's event log, and the same as a ``mission.<kind>`` trace event."""
    await conn.execute(
        "WITH logged AS (INSERT INTO mission_events (mission_id, kind, device_id, detail)"
        " VALUES ($1, $2, $3, $4))"
        f" {TRACE_INSERT} VALUES ($5, 'cloud', $3, 'mission.' || $2, $6)",
        mission_id,
        kind,
        device_id,
        detail,
        trace_id,
        {"mission_id": mission_id, **detail},
    )


async def insert_checkpoint(
    conn: asyncpg.Connection, checkpoint: Checkpoint, *, device_id: str, attempt: int
) -> bool:
    """Store the checkpoint; False when that step had one already (nothing changes)."""
    stored = await conn.fetchval(
        "INSERT INTO mission_checkpoints (mission_id, step_index, name, data, ts, device_id,"
        " attempt) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (mission_id, step_index) DO NOTHING RETURNING true",
        checkpoint.mission_id,
        checkpoint.step_index,
        checkpoint.name,
        dict(checkpoint.data),
        checkpoint.ts,
        device_id,
        attempt,
    )
    return bool(stored)


# ---- claiming and locking (in the caller's transaction) -------------------------------------


async def lock(conn: asyncpg.Connection, mission_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM missions WHERE id = $1 FOR UPDATE", mission_id
    )
    return row


async def lock_with_worker(conn: asyncpg.Connection, mission_id: str) -> asyncpg.Record | None:
    """The mission's row with ``worker_name``, locked."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {_WITH_WORKER} FROM missions m LEFT JOIN devices d ON d.id = m.assigned_to"
        " WHERE m.id = $1 FOR UPDATE OF m",
        mission_id,
    )
    return row


async def lock_latest_of(
    conn: asyncpg.Connection,
    asker: str,
    *,
    states: Sequence[str],
    summary_has: str | None,
    worker_name: str | None,
) -> asyncpg.Record | None:
    """The latest mission ``asker`` asked for in one of ``states`` (its summary holding
    ``summary_has``, run by the device ``worker_name``, when given), with ``worker_name``,
    locked."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {_WITH_WORKER} FROM missions m LEFT JOIN devices d ON d.id = m.assigned_to"
        " WHERE m.requested_by = $1 AND m.state = ANY($2::text[])"
        " AND ($3::text IS NULL OR strpos(lower(m.summary), lower($3)) > 0)"
        " AND ($4::text IS NULL OR lower(d.name) = lower($4))"
        " ORDER BY m.created_at DESC LIMIT 1 FOR UPDATE OF m",
        asker,
        list(states),
        summary_has,
        worker_name,
    )
    return row


async def claim_waiting_for(
    conn: asyncpg.Connection, device_id: str, *, limit: int
) -> list[asyncpg.Record]:
    """Queued missions the device could take (capable, the name it has if one is asked for),
    oldest first; locked, skipping those another instance holds."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT m.* FROM missions m, devices d WHERE d.id = $1 AND m.state = 'queued'"
        " AND d.capabilities @> m.capabilities"
        " AND (m.device_name IS NULL OR lower(m.device_name) = lower(d.name))"
        " ORDER BY m.created_at LIMIT $2 FOR UPDATE OF m SKIP LOCKED",
        device_id,
        limit,
    )
    return rows


async def claim_queued(conn: asyncpg.Connection, *, limit: int) -> list[asyncpg.Record]:
    """Queued missions, oldest first; locked, skipping those another instance holds."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT * FROM missions WHERE state = 'queued' ORDER BY created_at"
        " LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    return rows


async def claim_lapsed(
    conn: asyncpg.Connection, lease_s: float, *, limit: int
) -> list[asyncpg.Record]:
    """Unfinished missions whose worker is gone, revoked, or not seen for ``lease_s``; locked,
    skipping those another instance holds."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT m.* FROM missions m LEFT JOIN devices d ON d.id = m.assigned_to"
        " WHERE m.state IN ('assigned', 'running') AND (d.id IS NULL"
        " OR d.revoked_at IS NOT NULL OR d.last_seen IS NULL"
        " OR d.last_seen < now() - make_interval(secs => $1))"
        " ORDER BY m.updated_at LIMIT $2 FOR UPDATE OF m SKIP LOCKED",
        float(lease_s),
        limit,
    )
    return rows


# ---- reading --------------------------------------------------------------------------------


async def done_steps(conn: Connection, mission_id: str) -> list[int]:
    """The indexes of the steps checkpointed, in order."""
    rows = await conn.fetch(
        "SELECT step_index FROM mission_checkpoints WHERE mission_id = $1 ORDER BY step_index",
        mission_id,
    )
    return [row["step_index"] for row in rows]


async def checkpoint_data(conn: Connection, mission_id: str) -> dict[int, Any]:
    """step index → its checkpoint's data."""
    rows = await conn.fetch(
        "SELECT step_index, data FROM mission_checkpoints WHERE mission_id = $1", mission_id
    )
    return {row["step_index"]: row["data"] for row in rows}


async def with_names(conn: Connection, mission_id: str) -> asyncpg.Record | None:
    """The mission's row with ``worker_name`` and ``asker_name``."""
    row: asyncpg.Record | None = await conn.fetchrow(f"{_WITH_NAMES} WHERE m.id = $1", mission_id)
    return row


async def latest(conn: Connection, *, limit: int, state: str | None = None) -> list[asyncpg.Record]:
    """The latest missions first (in ``state`` when given), with the names."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"{_WITH_NAMES} WHERE ($2::text IS NULL OR m.state = $2)"
        " ORDER BY m.created_at DESC LIMIT $1",
        limit,
        state,
    )
    return rows


async def of_device(
    conn: Connection, device_id: str, *, unfinished: Sequence[str], limit: int
) -> list[asyncpg.Record]:
    """The missions ``device_id`` asked for or runs, with the names: those in ``unfinished``
    states first, then the latest."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"{_WITH_NAMES} WHERE m.requested_by = $1 OR m.assigned_to = $1"
        " ORDER BY (m.state = ANY($2::text[])) DESC, m.created_at DESC LIMIT $3",
        device_id,
        list(unfinished),
        limit,
    )
    return rows


async def checkpoints(conn: Connection, mission_id: str) -> list[asyncpg.Record]:
    """``step_index, name, data, ts, device_id, attempt, stored_at`` by step."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT step_index, name, data, ts, device_id, attempt, stored_at"
        " FROM mission_checkpoints WHERE mission_id = $1 ORDER BY step_index",
        mission_id,
    )
    return rows


async def events(conn: Connection, mission_id: str) -> list[asyncpg.Record]:
    """``ts, kind, device_id, detail``, in the order logged."""
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT ts, kind, device_id, detail FROM mission_events WHERE mission_id = $1 ORDER BY id",
        mission_id,
    )
    return rows

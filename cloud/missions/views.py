"""Reading missions and traces back: for ``GET /v1/missions…``, ``/v1/traces/…`` and the CLI."""

from __future__ import annotations

from typing import Any

import asyncpg

from cloud.store import missions as stored_missions
from cloud.store import traces

MAX_LIST = 500


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


async def mission_detail(pool: asyncpg.Pool, mission_id: str) -> dict[str, Any] | None:
    """The mission with its steps, state, result, checkpoints and event log; None if unknown."""
    row = await stored_missions.with_names(pool, mission_id)
    if row is None:
        return None
    checkpoints = await stored_missions.checkpoints(pool, mission_id)
    events = await stored_missions.events(pool, mission_id)
    detail = summary_of(row)
    detail["steps"] = row["steps"]
    detail["checkpoints"] = [
        {
            "step_index": cp["step_index"],
            "name": cp["name"],
            "data": cp["data"],
            "ts": cp["ts"],
            "device_id": cp["device_id"],
            "attempt": cp["attempt"],
            "stored_at": _iso(cp["stored_at"]),
        }
        for cp in checkpoints
    ]
    detail["events"] = [
        {"ts": _iso(ev["ts"]), "kind": ev["kind"], "device_id": ev["device_id"], **ev["detail"]}
        for ev in events
    ]
    return detail


def summary_of(row: asyncpg.Record) -> dict[str, Any]:
    finished = row["result_ok"] is not None
    return {
        "id": row["id"],
        "kind": row["kind"],
        "summary": row["summary"],
        "state": row["state"],
        "trace_id": row["trace_id"],
        "idempotency_key": row["idempotency_key"],
        "requested_by": row["requested_by"],
        "requested_by_name": row["asker_name"],
        "utterance_id": row["utterance_id"],
        "capabilities": row["capabilities"],
        "device_name": row["device_name"],
        "assigned_to": row["assigned_to"],
        "assigned_to_name": row["worker_name"],
        "attempt": row["attempt"],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "finished_at": _iso(row["finished_at"]),
        "result": (
            {"ok": row["result_ok"], "output": row["result_output"], "error": row["result_error"]}
            if finished
            else None
        ),
    }


async def list_missions(
    pool: asyncpg.Pool, *, limit: int = 50, state: str | None = None
) -> list[dict[str, Any]]:
    """The latest missions first, without steps or logs."""
    rows = await stored_missions.latest(pool, limit=max(1, min(limit, MAX_LIST)), state=state)
    return [summary_of(row) for row in rows]


async def timeline(pool: asyncpg.Pool, trace_id: str) -> list[dict[str, Any]]:
    """Cloud and edge events of one trace merged by time, each with the milliseconds since the
    one before (null for the first)."""
    rows = await traces.events_of(pool, trace_id)
    found: list[dict[str, Any]] = []
    previous = None
    for row in rows:
        since_ms = None if previous is None else (row["ts"] - previous).total_seconds() * 1000
        previous = row["ts"]
        found.append(
            {
                "ts": _iso(row["ts"]),
                "source": row["source"],
                "device_id": row["device_id"],
                "device_name": row["device_name"],
                "kind": row["kind"],
                "detail": row["detail"],
                "since_previous_ms": None if since_ms is None else round(since_ms, 3),
            }
        )
    return found

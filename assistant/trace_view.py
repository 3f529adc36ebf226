"""The edge's part of a trace (`jarvis trace ID`): what it heard, answered and published.

The cloud records its own events and those edges report; a request the edge answered itself
never reaches the cloud, so its events are read here, from the edge database, and merged into
the same timeline by time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from assistant.database import DATABASE_FILE


async def edge_events(data_dir: Path, trace_id: str) -> list[dict[str, Any]]:
    """This edge's events of ``trace_id`` (none when it has no database), in the shape of the
    cloud's timeline (``cloud.missions.views.timeline``)."""
    path = data_dir / DATABASE_FILE
    if not path.exists():
        return []
    # Read-only: a trace never changes the edge's data, even while the edge runs.
    async with aiosqlite.connect(f"{path.as_uri()}?mode=ro", uri=True) as db:
        db.row_factory = aiosqlite.Row
        async with db.execute("SELECT * FROM utterances WHERE trace_id = ?", (trace_id,)) as cur:
            utterances = list(await cur.fetchall())
        published: list[aiosqlite.Row] = []
        if utterances and await _has_events(db):
            async with db.execute(
                "SELECT e.* FROM events e JOIN utterances u ON u.id = e.utterance_id"
                " WHERE u.trace_id = ? ORDER BY e.id",
                (trace_id,),
            ) as cur:
                published = list(await cur.fetchall())
    found = []
    for row in utterances:
        heard = {"utterance_id": row["id"], "text": row["text"], "intent": row["intent"]}
        found.append(_event(row["created_at"], f"heard.{row['handled_by']}", heard))
        if row["status"] != "pending":
            answered = {"status": row["status"], "reply": row["reply"], "ms": row["handle_ms"]}
            found.append(_event(row["updated_at"], "answered", answered))
    for row in published:
        found.append(_event(row["ts"], f"published.{row['kind']}", json.loads(row["reply"])))
    return found


def merged(*timelines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events of several sources in one timeline by time, ``since_previous_ms`` recomputed."""
    events = sorted(
        (event for timeline in timelines for event in timeline),
        key=lambda event: datetime.fromisoformat(event["ts"]),
    )
    previous = None
    for event in events:
        ts = datetime.fromisoformat(event["ts"])
        since_ms = None if previous is None else (ts - previous).total_seconds() * 1000
        event["since_previous_ms"] = None if since_ms is None else round(since_ms, 3)
        previous = ts
    return events


async def _has_events(db: aiosqlite.Connection) -> bool:
    async with db.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'") as cursor:
        return await cursor.fetchone() is not None


def _event(ts: float, kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "ts": datetime.fromtimestamp(ts, UTC).isoformat(),
        "source": "edge",
        "device_id": None,
        "device_name": None,
        "kind": kind,
        "detail": detail,
        "since_previous_ms": None,
    }

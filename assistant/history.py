"""Every utterance the edge heard: its intent, reply, status and timings (aiosqlite)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import aiosqlite

from models import Intent

Status = Literal["pending", "done", "failed", "cancelled"]
HandledBy = Literal["edge", "cloud"]


@dataclass(frozen=True, slots=True)
class UtteranceRecord:
    id: str
    trace_id: str
    text: str
    intent: str | None
    slots: dict[str, Any]
    handled_by: HandledBy
    status: Status
    interpret_ms: float
    """Time the local interpreter took, in milliseconds."""
    reply: str | None = None
    error: str | None = None
    handle_ms: float | None = None
    """Time from receipt to the reply, in milliseconds (null while pending)."""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    follow_up_at: float | None = None
    """Seconds since the epoch when a later reply to it is due (a reminder), if any."""

    def view(self) -> dict[str, Any]:
        """The object the HTTP API and `jarvis say` show."""
        view: dict[str, Any] = {
            "id": self.id,
            "trace_id": self.trace_id,
            "text": self.text,
            "intent": self.intent,
            "slots": self.slots,
            "handled_by": self.handled_by,
            "status": self.status,
            "reply": self.reply,
            "interpret_ms": self.interpret_ms,
            "handle_ms": self.handle_ms,
            "created_at": self.created_at,
            "follow_up_at": self.follow_up_at,
        }
        if self.error is not None:
            view["error"] = self.error
        return view


class History:
    """The ``utterances`` table."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add(self, record: UtteranceRecord) -> None:
        await self._db.execute(
            """INSERT INTO utterances (id, trace_id, text, intent, slots, handled_by, status,
                   reply, error, interpret_ms, handle_ms, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                record.id,
                record.trace_id,
                record.text,
                record.intent,
                json.dumps(record.slots),
                record.handled_by,
                record.status,
                record.reply,
                record.error,
                record.interpret_ms,
                record.handle_ms,
                record.created_at,
                record.updated_at,
            ),
        )
        await self._db.commit()

    async def finish(
        self,
        record: UtteranceRecord,
        *,
        status: Status,
        reply: str,
        error: str | None = None,
        follow_up_at: float | None = None,
    ) -> UtteranceRecord:
        now = time.time()
        done = replace(
            record,
            status=status,
            reply=reply,
            error=error,
            handle_ms=(now - record.created_at) * 1000,
            updated_at=now,
            follow_up_at=follow_up_at,
        )
        await self._db.execute(
            """UPDATE utterances SET status = ?, reply = ?, error = ?, handle_ms = ?,
                   updated_at = ?, follow_up_at = ? WHERE id = ?""",
            (
                done.status,
                done.reply,
                done.error,
                done.handle_ms,
                done.updated_at,
                done.follow_up_at,
                done.id,
            ),
        )
        await self._db.commit()
        return done

    async def understood(self, record: UtteranceRecord, intent: Intent) -> UtteranceRecord:
        """``record`` with the intent found for it later (the cloud's second chance)."""
        found = replace(record, intent=intent.name, slots=dict(intent.slots))
        await self._db.execute(
            "UPDATE utterances SET intent = ?, slots = ? WHERE id = ?",
            (found.intent, json.dumps(found.slots), found.id),
        )
        await self._db.commit()
        return found

    async def get(self, utterance_id: str) -> UtteranceRecord | None:
        async with self._db.execute(
            "SELECT * FROM utterances WHERE id = ?", (utterance_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _record(row)

    async def recent(self, limit: int = 20) -> list[UtteranceRecord]:
        """The newest ``limit`` utterances, oldest first."""
        async with self._db.execute(
            "SELECT * FROM utterances ORDER BY created_at DESC LIMIT ?", (limit,)
        ) as cursor:
            rows = await cursor.fetchall()
        return [_record(row) for row in reversed(list(rows))]


def _record(row: aiosqlite.Row) -> UtteranceRecord:
    return UtteranceRecord(
        id=row["id"],
        trace_id=row["trace_id"],
        text=row["text"],
        intent=row["intent"],
        slots=json.loads(row["slots"]),
        handled_by=row["handled_by"],
        status=row["status"],
        interpret_ms=row["interpret_ms"],
        reply=row["reply"],
        error=row["error"],
        handle_ms=row["handle_ms"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        follow_up_at=row["follow_up_at"],
    )

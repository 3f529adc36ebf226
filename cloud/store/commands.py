"""Commands one device sends another ("tell the kitchen to …"), until the target answers."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class Asker:
    """Who waits for a command's result: the device and the utterance to answer."""

    device_id: str
    utterance_id: str
    trace_id: str


async def insert(
    conn: asyncpg.Connection,
    *,
    request_id: str,
    target_device_id: str,
    text: str,
    asker: Asker,
) -> None:
    await conn.execute(
        "INSERT INTO device_commands (request_id, target_device_id, text, reply_to_device_id,"
        " reply_to_utterance_id, trace_id) VALUES ($1, $2, $3, $4, $5, $6)",
        request_id,
        target_device_id,
        text,
        asker.device_id,
        asker.utterance_id,
        asker.trace_id,
    )


async def complete(
    conn: asyncpg.Connection, *, request_id: str, device_id: str, result_text: str
) -> Asker | None:
    """Store the result of the command ``device_id`` was sent; who asked, or None when it was
    not that device's command or it was completed already."""
    row = await conn.fetchrow(
        "UPDATE device_commands SET completed_at = now(), result_text = $3"
        " WHERE request_id = $1 AND target_device_id = $2 AND completed_at IS NULL"
        " RETURNING reply_to_device_id, reply_to_utterance_id, trace_id",
        request_id,
        device_id,
        result_text,
    )
    if row is None:
        return None
    return Asker(row["reply_to_device_id"], row["reply_to_utterance_id"], row["trace_id"])

"""The phrases users taught, in PostgreSQL (the truth every device's list converges on)."""

from __future__ import annotations

from typing import Any

import asyncpg


async def rows(conn: asyncpg.Pool | asyncpg.Connection) -> list[dict[str, Any]]:
    """Every taught phrase as ``{phrase, actions, intents}``, by key."""
    found = await conn.fetch("SELECT phrase, actions, intents FROM taught_phrases ORDER BY key")
    return [dict(row) for row in found]


async def count_others(conn: asyncpg.Connection, key: str) -> int:
    """How many phrases are taught under another key than ``key``."""
    count: int = await conn.fetchval("SELECT count(*) FROM taught_phrases WHERE key <> $1", key)
    return count


async def put(
    conn: asyncpg.Connection,
    *,
    key: str,
    phrase: str,
    actions: Any,
    intents: Any,
    taught_by: str,
) -> None:
    """Teach the phrase under ``key``, replacing what it meant before."""
    await conn.execute(
        "INSERT INTO taught_phrases (key, phrase, actions, intents, taught_by)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET"
        " phrase = excluded.phrase, actions = excluded.actions, intents = excluded.intents,"
        " taught_by = excluded.taught_by, updated_at = now()",
        key,
        phrase,
        actions,
        intents,
        taught_by,
    )


async def forget(conn: asyncpg.Connection, key: str) -> None:
    await conn.execute("DELETE FROM taught_phrases WHERE key = $1", key)

"""Phrases users teach: stored here (the truth), the whole list pushed to every device.

The edge understands the teaching sentence itself (only it knows its local commands) and sends
the result in a ``phrases_update`` message; the cloud applies it and queues the new list for
every device, in the same transaction, so all edges converge on one list.
"""

from __future__ import annotations

import asyncpg

from cloud.link.handlers import Context, send_ack
from cloud.requests.hot_path import mark_processed
from cloud.store import outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from models import DecodeError, Envelope, TaughtPhrase, messages
from models.messages import PhrasesBody, PhrasesUpdateBody, body_of
from models.phrases import MAX_PHRASES


async def listing(conn: asyncpg.Pool | asyncpg.Connection) -> list[TaughtPhrase]:
    rows = await conn.fetch("SELECT phrase, actions, intents FROM taught_phrases ORDER BY key")
    return [TaughtPhrase.from_wire(dict(row)) for row in rows]


def parse_update(update: PhrasesUpdateBody) -> TaughtPhrase | str:
    """The phrase to teach, or the key to forget (the body holds exactly one)."""
    if update.teach is not None:
        return update.teach
    assert update.forget is not None
    return update.forget


async def apply(
    conn: asyncpg.Connection, change: TaughtPhrase | str, *, device_id: str, trace_id: str
) -> None:
    """Store the change and queue the new list for every device, in the caller's transaction."""
    if isinstance(change, TaughtPhrase):
        count = await conn.fetchval(
            "SELECT count(*) FROM taught_phrases WHERE key <> $1", change.key
        )
        if count >= MAX_PHRASES:
            raise DecodeError("body.teach", f"at most {MAX_PHRASES} phrases can be taught")
        await conn.execute(
            "INSERT INTO taught_phrases (key, phrase, actions, intents, taught_by)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET"
            " phrase = excluded.phrase, actions = excluded.actions, intents = excluded.intents,"
            " taught_by = excluded.taught_by, updated_at = now()",
            change.key,
            change.phrase,
            change.actions,
            change.to_wire()["intents"],
            device_id,
        )
    else:
        await conn.execute("DELETE FROM taught_phrases WHERE key = $1", change)
    await push_to_all(conn, trace_id=trace_id)


async def push_to_all(conn: asyncpg.Connection, *, trace_id: str) -> None:
    body = PhrasesBody(tuple(await listing(conn)))
    devices = await conn.fetch("SELECT id FROM devices WHERE revoked_at IS NULL")
    for row in devices:
        await outbox.enqueue(conn, row["id"], messages.envelope(body, trace_id=trace_id))


async def on_phrases_update(ctx: Context, envelope: Envelope) -> None:
    """A device learned or forgot a phrase: store it once, push the list, then ack."""
    change = parse_update(body_of(envelope, PhrasesUpdateBody))
    async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if await mark_processed(conn, envelope, ctx.device_id):
            await apply(conn, change, device_id=ctx.device_id, trace_id=envelope.trace_id)
    await send_ack(ctx.link, envelope)

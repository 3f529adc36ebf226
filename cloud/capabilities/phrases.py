"""Phrases users teach: stored here (the truth), the whole list pushed to every device.

The edge understands the teaching sentence itself (only it knows its local commands) and sends
the result in a ``phrases_update`` message; the cloud applies it and queues the new list for
every device, in the same transaction, so all edges converge on one list.
"""

from __future__ import annotations

import asyncpg

from cloud.store import device_state, outbox
from cloud.store import phrases as stored_phrases
from models import DecodeError, TaughtPhrase, messages
from models.messages import PhrasesBody, PhrasesUpdateBody
from models.phrases import MAX_PHRASES


async def listing(conn: asyncpg.Pool | asyncpg.Connection) -> list[TaughtPhrase]:
    return [TaughtPhrase.from_wire(row) for row in await stored_phrases.rows(conn)]


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
        if await stored_phrases.count_others(conn, change.key) >= MAX_PHRASES:
            raise DecodeError("body.teach", f"at most {MAX_PHRASES} phrases can be taught")
        await stored_phrases.put(
            conn,
            key=change.key,
            phrase=change.phrase,
            actions=change.actions,
            intents=change.to_wire()["intents"],
            taught_by=device_id,
        )
    else:
        await stored_phrases.forget(conn, change)
    await push_to_all(conn, trace_id=trace_id)


async def push_to_all(conn: asyncpg.Connection, *, trace_id: str) -> None:
    body = PhrasesBody(tuple(await listing(conn)))
    for device_id in await device_state.valid_ids(conn):
        await outbox.enqueue(conn, device_id, messages.envelope(body, trace_id=trace_id))

"""Phrases users teach: stored here (the truth), the whole list pushed to every device.

The edge understands the teaching sentence itself (only it knows its local commands) and sends
the result in a ``phrases_update`` message; the cloud applies it and queues the new list for
every device, in the same transaction, so all edges converge on one list.
"""

from __future__ import annotations

import asyncpg
import msgspec

from cloud.store import device_state, outbox
from cloud.store import phrases as stored_phrases
from models import DecodeError, Envelope, TaughtPhrase, phrases_to_wire
from models.phrases import MAX_PHRASES


class PhrasesUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Teach one phrase (replacing an earlier meaning), or forget one by its key."""

    teach: dict[str, object] | None = None
    forget: str | None = None


async def listing(conn: asyncpg.Pool | asyncpg.Connection) -> list[TaughtPhrase]:
    return [TaughtPhrase.from_wire(row) for row in await stored_phrases.rows(conn)]


def parse_update(update: PhrasesUpdate) -> TaughtPhrase | str:
    """The phrase to teach, or the key to forget; DecodeError when it is neither."""
    if (update.teach is None) == (update.forget is None):
        raise DecodeError("body", "expected exactly one of teach or forget")
    if update.teach is not None:
        return TaughtPhrase.from_wire(update.teach, "body.teach")
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
    body = {"phrases": phrases_to_wire(await listing(conn))}
    for device_id in await device_state.valid_ids(conn):
        await outbox.enqueue(conn, device_id, Envelope("phrases", body, trace_id=trace_id))

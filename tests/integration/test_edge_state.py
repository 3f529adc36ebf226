"""The edge's link state in aiosqlite: outbox, received ids, cached settings, the token file."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest

from assistant.credentials import device_id_of, read_token, save_token
from assistant.database import open_database
from assistant.device_config import ConfigCache
from assistant.outbox import Inbox, Outbox
from models import Envelope


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    connection = await open_database(tmp_path)
    yield connection
    await connection.close()


async def test_the_outbox_keeps_messages_until_acked_across_a_restart(tmp_path: Path) -> None:
    """Queued envelopes survive closing the database and leave only when acked."""
    first, second = Envelope("request", {"n": 1}), Envelope("request", {"n": 2})
    db = await open_database(tmp_path)
    await Outbox(db).add(first)
    await Outbox(db).add(second)
    await Outbox(db).add(first)  # a retry of the same message is stored once
    await db.close()

    db = await open_database(tmp_path)
    outbox = Outbox(db)
    assert await outbox.pending() == [first.encode(), second.encode()]
    await outbox.acked([first.id])
    assert await outbox.pending() == [second.encode()]
    await db.close()


async def test_a_message_refused_for_good_leaves_the_outbox(db: aiosqlite.Connection) -> None:
    """``drop`` removes the message and hands it back as JSON, even one this build would not
    decode (an older build queued it); dropping it again finds nothing."""
    outbox = Outbox(db)
    kept = Envelope("request", {"n": 1})
    refused = Envelope("request", {"utterance": {"id": "u1", "text": "hi\x00"}})
    await outbox.add(kept)
    await outbox.add(refused)
    dropped = await outbox.drop(refused.id)
    assert dropped is not None
    assert dropped["body"]["utterance"]["text"] == "hi\x00"
    assert await outbox.pending() == [kept.encode()]
    assert await outbox.drop(refused.id) is None


async def test_the_inbox_tells_a_redelivery(db: aiosqlite.Connection) -> None:
    """A message id is new until marked, and seen ever after."""
    inbox = Inbox(db)
    assert not await inbox.seen("m-1")
    await inbox.mark("m-1")
    await inbox.mark("m-1")
    assert await inbox.seen("m-1")
    assert not await inbox.seen("m-2")


async def test_cached_settings_go_stale_after_their_ttl(db: aiosqlite.Connection) -> None:
    """Settings are kept as sent; they are stale before the first copy and after the TTL."""
    now = [1000.0]
    cache = ConfigCache(db, ttl_s=300, clock=lambda: now[0])
    assert await cache.stale()
    assert await cache.load() == {}
    await cache.store({"timezone": "Europe/Paris"})
    assert await cache.load() == {"timezone": "Europe/Paris"}
    now[0] += 299
    assert not await cache.stale()
    now[0] += 2
    assert await cache.stale()


def test_the_token_file_is_private(tmp_path: Path) -> None:
    """The device token is written with mode 0600 and read back; its prefix is the device id."""
    path = save_token(tmp_path, " dev123.s3cret \n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_token(tmp_path) == "dev123.s3cret"
    assert device_id_of("dev123.s3cret") == "dev123"
    with pytest.raises(ValueError, match=r"DEVICE_ID\.SECRET"):
        save_token(tmp_path, "no-dot")


async def test_old_received_ids_are_forgotten(db: aiosqlite.Connection) -> None:
    """Ids received longer ago than the retention are dropped; recent ones are kept."""
    inbox = Inbox(db)
    await inbox.mark("old")
    await inbox.mark("new")
    await db.execute(
        "UPDATE inbox_seen SET received_at = received_at - 8 * 24 * 3600 WHERE id = 'old'"
    )
    await db.commit()
    await inbox.forget_old()
    assert not await inbox.seen("old")
    assert await inbox.seen("new")

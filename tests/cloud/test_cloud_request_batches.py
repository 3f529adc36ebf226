"""The request hot path (cloud.requests.hot_path) on a real PostgreSQL: answers stored in shared
statements, one bad row failing alone, duplicates found, replies with ids made from the
request's, and the in-memory device copy dropped when the devices change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable

import asyncpg
import pytest
from cloud_helpers import wait_for

from cloud.capabilities.overview import HELP_TEXT
from cloud.capabilities.planners import RulePlanner
from cloud.link import notify
from cloud.link.registry import LinkRegistry
from cloud.requests.hot_path import RequestBatches
from cloud.store import device_config, devices, outbox
from cloud.store.device_directory import DeviceDirectory
from models import Envelope, Utterance, derived_id, new_id


def _request(device_id: str, text: str = "what can you do", *, id_: str | None = None) -> Envelope:
    utterance = Utterance(
        id=new_id(), text=text, trace_id=new_id(), device_id=device_id, ts=time.time()
    )
    return Envelope(
        type="request",
        body={"utterance": utterance.to_wire()},
        id=id_ or new_id(),
        trace_id=utterance.trace_id,
    )


@contextlib.asynccontextmanager
async def serving(pool: asyncpg.Pool) -> AsyncIterator[RequestBatches]:
    planner = RulePlanner()
    requests = RequestBatches(pool, lambda: planner, "here", DeviceDirectory(pool))
    tasks = [asyncio.create_task(each.run()) for each in requests.batches]
    await asyncio.sleep(0)
    try:
        yield requests
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await requests.release()


async def test_concurrent_answers_share_statements_and_each_is_stored(
    pool: asyncpg.Pool,
) -> None:
    """Forty requests from four devices at once: each gets its own reply and trace story,
    in fewer statements than requests."""
    ids = [(await devices.enroll_device(pool, f"device {n}"))[0] for n in range(4)]
    envelopes = [_request(ids[n % 4]) for n in range(40)]
    async with serving(pool) as requests:
        handled = await asyncio.gather(
            *(requests.handle(e.body["utterance"]["device_id"], e) for e in envelopes)
        )
        for each in handled:
            await requests.settled(each)
        writes = requests.batches[0].batches_done
    assert all(each.fresh and each.reply is not None for each in handled)
    assert writes < len(envelopes)
    for envelope, each in zip(envelopes, handled, strict=True):
        assert each.reply is not None
        assert each.reply.id == derived_id(envelope.id, "reply")
        assert each.reply.body["text"] == HELP_TEXT
    rows = await pool.fetch("SELECT id, device_id, envelope FROM outbox ORDER BY seq")
    assert {row["id"] for row in rows} == {derived_id(e.id, "reply") for e in envelopes}
    story = await pool.fetch(
        "SELECT kind FROM trace_events WHERE trace_id = $1 ORDER BY id", envelopes[7].trace_id
    )
    assert [row["kind"] for row in story] == [
        "received.request",
        "planned.Answer",
        "enqueued.reply",
    ]


async def test_a_row_the_database_refuses_fails_alone(pool: asyncpg.Pool) -> None:
    """A NUL character cannot be stored in PostgreSQL text: that request fails, and the
    requests that happened to share its batch are stored all the same."""
    device_id, _ = await devices.enroll_device(pool, "kitchen pi")
    good = [_request(device_id) for _ in range(5)]
    bad = _request(device_id, "what can you do\x00")
    async with serving(pool) as requests:
        outcomes = await asyncio.gather(
            *(requests.handle(device_id, e) for e in [*good[:2], bad, *good[2:]]),
            return_exceptions=True,
        )
    assert isinstance(outcomes[2], asyncpg.PostgresError)
    assert all(
        not isinstance(each, BaseException) and each.fresh
        for each in [*outcomes[:2], *outcomes[3:]]
    )
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 5
    assert not await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE id = $1)", bad.id
    )


async def test_a_request_sent_twice_is_stored_once(pool: asyncpg.Pool) -> None:
    """Twice in one batch, then once more later: one reply, and the copies say duplicate."""
    device_id, _ = await devices.enroll_device(pool, "kitchen pi")
    envelope = _request(device_id)
    async with serving(pool) as requests:
        first, copy = await asyncio.gather(
            requests.handle(device_id, envelope), requests.handle(device_id, envelope)
        )
        later = await requests.handle(device_id, envelope)
    assert (first.fresh, copy.fresh, later.fresh) == (True, False, False)
    assert copy.reply is None
    assert later.reply is None
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_the_holder_of_the_link_comes_back_with_the_answer(pool: asyncpg.Pool) -> None:
    device_id, _ = await devices.enroll_device(pool, "kitchen pi")
    await pool.execute("UPDATE devices SET connected_instance = 'here' WHERE id = $1", device_id)
    async with serving(pool) as requests:
        handled = await requests.handle(device_id, _request(device_id))
    assert handled.holder == "here"


async def test_an_unknown_device_is_not_found(pool: asyncpg.Pool) -> None:
    from cloud.errors import NotFoundError

    async with serving(pool) as requests:
        with pytest.raises(NotFoundError):
            await requests.handle("nobody", _request("nobody"))


async def test_the_device_copy_follows_enrollment_and_settings_via_notifications(
    pool: asyncpg.Pool,
) -> None:
    """A device enrolled, renamed by settings or re-configured shows in the copy once the
    trigger's notification arrives, without waiting for the copy to age."""
    directory = DeviceDirectory(pool)
    listening = asyncio.Event()
    listener = asyncio.create_task(
        notify.listen_forever(
            pool, LinkRegistry(), asyncio.Event(), directory.invalidate, listening
        )
    )
    try:
        await asyncio.wait_for(listening.wait(), 10)
        first, _ = await devices.enroll_device(pool, "kitchen pi")
        assert await directory.names() == ("kitchen pi",)
        await devices.enroll_device(pool, "office laptop")

        async def named(name: str) -> bool:
            return name in await directory.names()

        async def in_paris() -> bool:
            found = await directory.settings_of(first)
            return (found or {}).get("timezone") == "Europe/Paris"

        await wait_for(lambda: named("office laptop"))
        await device_config.put_settings(
            pool, first, {"timezone": "Europe/Paris"}, trace_id=new_id()
        )
        await wait_for(in_paris)
        await devices.revoke_token(pool, first)
        await wait_for(lambda: _not(named("kitchen pi")))
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)


async def test_a_device_missing_from_the_copy_is_read_again_before_it_is_unknown(
    pool: asyncpg.Pool,
) -> None:
    """No listener here: a device enrolled after the copy was read is still found."""
    directory = DeviceDirectory(pool)
    assert await directory.names() == ()
    device_id, _ = await devices.enroll_device(pool, "kitchen pi")
    assert await directory.settings_of(device_id) == {}
    assert await directory.settings_of("nobody") is None


async def test_acks_of_several_devices_go_in_one_statement_each_for_its_own(
    pool: asyncpg.Pool,
) -> None:
    """Each device marks only its own messages delivered; another's id changes nothing."""
    kitchen, _ = await devices.enroll_device(pool, "kitchen pi")
    office, _ = await devices.enroll_device(pool, "office laptop")
    queued = {}
    async with pool.acquire() as conn:
        for device_id in (kitchen, office):
            envelope = Envelope(type="reply", body={"text": "hi", "utterance_id": None})
            await outbox.enqueue(conn, device_id, envelope)
            queued[device_id] = envelope.id
    counts = await outbox.acknowledge_batch(
        pool,
        [
            outbox.Ack(kitchen, (queued[kitchen], queued[office])),
            outbox.Ack(office, (queued[office],)),
        ],
    )
    assert counts == [1, 1]
    pending = await pool.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
    assert pending == 0
    again = await outbox.acknowledge_batch(pool, [outbox.Ack(kitchen, (queued[kitchen],))])
    assert again == [0]


async def _not(check: Awaitable[bool]) -> bool:
    return not await check

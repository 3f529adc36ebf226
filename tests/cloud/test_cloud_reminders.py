"""Reminders end to end: stored, delivered when due, across restarts, and late when offline."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest
from cloud_helpers import CloudFactory, wait_for

from cloud.capabilities import reminders


async def test_reminder_is_confirmed_in_the_device_time_zone(clouds: CloudFactory) -> None:
    """The confirmation says the due time on the device's clock (its time zone setting)."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    await clouds.pool.execute(
        'UPDATE devices SET settings = \'{"timezone": "Asia/Kolkata"}\' WHERE id = $1',
        device_id,
    )
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("remind me in 10 minutes to stretch")
    reply = await edge.expect_reply()
    # The expected words come from the stored due time, so the test holds at any hour: ten
    # minutes before midnight in Kolkata the right answer is "tomorrow at 12:05 AM".
    due_clock, days_ahead = await clouds.pool.fetchrow(
        "SELECT to_char(due_at AT TIME ZONE 'Asia/Kolkata', 'FMHH12:MI AM'),"
        " (due_at AT TIME ZONE 'Asia/Kolkata')::date"
        " - ((due_at - interval '10 minutes') AT TIME ZONE 'Asia/Kolkata')::date"
        " FROM reminders"
    )
    day = "tomorrow " if days_ahead == 1 else ""
    assert reply.body["text"] == f"Okay, I'll remind you to stretch {day}at {due_clock}."


async def test_a_reminder_counts_from_when_it_was_said_not_when_it_arrived(
    clouds: CloudFactory,
) -> None:
    """Said 30 minutes ago (it waited in the edge's outbox while the cloud was away), "in 10
    minutes" was due 20 minutes ago: the confirmation says so and the reminder comes at once,
    late. The edge's clock is an hour slow; the offset measured on its link corrects it."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token, clock_off_s=-3600)
    said_at = edge.clock_s() - 30 * 60
    await edge.request("remind me in 10 minutes to stretch", said_at=said_at)
    reply = await edge.expect_reply()
    # Due 20 minutes ago: earlier today, or "yesterday" when the test runs just after midnight.
    assert re.fullmatch(
        r"Okay, I'll remind you to stretch right away: it was due (yesterday )?at \d+:\d\d [AP]M\.",
        reply.body["text"],
    ), reply.body["text"]
    due_ago = "SELECT extract(epoch FROM now() - due_at) FROM reminders"
    assert 19 * 60 < await clouds.pool.fetchval(due_ago) < 21 * 60
    reminder = await edge.expect_reply(kind="reminder")
    assert reminder.body["text"] == "Reminder, 20 minutes late: stretch."


@pytest.mark.parametrize("clock_off_s", [-3600.0, 3600.0])
async def test_a_fresh_request_from_an_edge_with_a_wrong_clock_counts_from_now(
    clouds: CloudFactory, clock_off_s: float
) -> None:
    """An edge clock an hour slow or fast does not move a reminder: "in 10 minutes", said
    just now, is due ten minutes from now on the cloud's clock."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token, clock_off_s=clock_off_s)
    await edge.request("remind me in 10 minutes to stretch", said_at=edge.clock_s())
    await edge.expect_reply()
    due_in = "SELECT extract(epoch FROM due_at - now()) FROM reminders"
    assert 9 * 60 < await clouds.pool.fetchval(due_in) <= 10 * 60


async def test_reminder_is_delivered_when_due(clouds: CloudFactory) -> None:
    """A reminder set for a second from now arrives as a reminder reply, on time."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("remind me in 1 second to stretch")
    await edge.expect_reply()
    reminder = await edge.expect_reply(kind="reminder")
    assert reminder.body["text"] == "Reminder: stretch."
    assert reminder.body["utterance_id"] == request.body["utterance"]["id"]
    assert reminder.trace_id == request.trace_id
    await edge.ack(reminder)
    delivered = await clouds.pool.fetchval("SELECT delivered_at FROM reminders")
    assert delivered is not None


async def test_reminder_survives_a_cloud_restart(clouds: CloudFactory) -> None:
    """A reminder that falls due while no cloud runs is delivered by the next instance."""
    first = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(first, device_id, token)
    await edge.request("remind me in 10 minutes to call my sister")
    await edge.ack(await edge.expect_reply())
    await edge.close()
    await clouds.stop(first)
    await clouds.pool.execute("UPDATE reminders SET due_at = now() - interval '5 seconds'")
    second = await clouds.start()
    edge, _ = await clouds.connect(second, device_id, token)
    reminder = await edge.expect_reply(kind="reminder")
    assert reminder.body["text"] == "Reminder: call your sister."


async def test_late_reminder_says_it_is_late(clouds: CloudFactory) -> None:
    """A reminder that waited for an offline device says how late it is when it arrives."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("remind me in 10 minutes to stretch")
    await edge.ack(await edge.expect_reply())
    await edge.close()
    await clouds.pool.execute(
        "UPDATE reminders SET due_at = now() - interval '12 minutes';"
        " SELECT pg_notify('jarvis_reminders', '')"
    )

    async def queued() -> bool:
        query = "SELECT count(*) FROM outbox WHERE reminder_id IS NOT NULL"
        return bool(await clouds.pool.fetchval(query))

    await wait_for(queued)
    edge, _ = await clouds.connect(cloud, device_id, token)
    reminder = await edge.expect_reply(kind="reminder")
    assert reminder.body["text"] == "Reminder, 12 minutes late: stretch."


async def test_each_reminder_is_delivered_once_by_many_instances(clouds: CloudFactory) -> None:
    """Two instances' schedulers share the work: every due reminder is enqueued exactly once."""
    cloud = await clouds.start()
    await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    for index in range(5):
        await edge.request(f"remind me in 1 second to drink glass {index}")
    texts: dict[str, str] = {}  # by message id: delivery is at least once, enqueueing once
    while len(texts) < 5:
        reminder = await edge.expect_reply(kind="reminder")
        texts[reminder.id] = reminder.body["text"]
        await edge.ack(reminder)
    assert sorted(texts.values()) == [f"Reminder: drink glass {index}." for index in range(5)]
    count = await clouds.pool.fetchval("SELECT count(*) FROM outbox WHERE reminder_id IS NOT NULL")
    assert count == 5


async def test_scheduler_stops_when_cancelled_as_it_wakes(pool: asyncpg.Pool) -> None:
    """A cancel that lands just as the scheduler is woken still stops it (no lost cancellation)."""
    for _ in range(20):
        wake = asyncio.Event()
        task = asyncio.create_task(reminders.run_scheduler(pool, wake))
        await asyncio.sleep(0.02)
        wake.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=5)
        assert done == {task}
        assert task.cancelled()

"""Nothing the cloud takes in or queues can jam an edge's link (real PostgreSQL, real sockets).

Requests keep the edge's limits; every message queued for an edge fits one frame, cut where it
is made or refused there; one the edge refuses for good by id leaves the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from cloud_helpers import CloudFactory, CloudInstance, wait_for

from cloud.capabilities import reminders
from cloud.errors import TooLargeError
from cloud.store import outbox
from models import MAX_FRAME_BYTES, Envelope, Reply, Utterance, new_id

HUGE = "q" * 300_000


def _fits(envelope: Envelope) -> bool:
    return len(envelope.encode().encode("utf-8")) <= MAX_FRAME_BYTES


async def _post(cloud: CloudInstance, path: str, body: Any, token: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{cloud.url}{path}", json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


def _utterance(text: str, device_id: str, **fields: str) -> dict[str, Any]:
    wire = Utterance(id=new_id(), text=text, trace_id=new_id(), device_id=device_id).to_wire()
    return {**wire, **fields}


@pytest.mark.parametrize(
    ("text", "fields", "code"),
    [
        ("remind me in 5 seconds to " + HUGE, {}, "invalid_utterance"),
        ("q" * 4001, {}, "invalid_utterance"),
        ("", {}, "invalid_utterance"),
        ("   \n ", {}, "invalid_utterance"),
        ("hello", {"id": "x" * 65}, "invalid_utterance"),
        ("hello", {"trace_id": "not a trace id; DROP TABLE"}, "invalid_utterance"),
        ("hello", {"session_id": "s" * 1000}, "invalid_utterance"),
    ],
)
async def test_rest_requests_keep_the_edges_limits(
    clouds: CloudFactory, text: str, fields: dict[str, str], code: str
) -> None:
    """POST /v1/requests refuses with 400 what the edge's own API would refuse."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    body = {"utterance": _utterance(text, device_id, **fields)}
    status, answer = await _post(cloud, "/v1/requests", body, token)
    assert (status, answer["error"]["code"]) == (400, code)
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_request_of_the_longest_text_is_taken(clouds: CloudFactory) -> None:
    """4,000 characters, the edge's limit, are accepted; an idempotency id must be an id."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    body = {"utterance": _utterance("q" * 4000, device_id)}
    assert (await _post(cloud, "/v1/requests", body, token))[0] == 202
    body = {"utterance": _utterance("hello", device_id), "id": "a b"}
    status, answer = await _post(cloud, "/v1/requests", body, token)
    assert (status, answer["error"]["code"]) == (400, "invalid_request")


async def test_a_websocket_request_over_the_limit_is_refused_for_good(
    clouds: CloudFactory,
) -> None:
    """Over the WebSocket, such a request gets `bad_body` naming it, and nothing is queued."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    sent = await edge.request("remind me in 5 seconds to " + HUGE[:10_000])
    error = await edge.expect("error")
    assert (error.body["code"], error.body["ref"]) == ("bad_body", sent.id)
    assert "4000" in error.body["message"]
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def _queue(pool: asyncpg.Pool, device_id: str, envelope: Envelope, **kw: Any) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await outbox.enqueue(conn, device_id, envelope, **kw)


async def _stored(pool: asyncpg.Pool, device_id: str) -> list[Envelope]:
    return [item.envelope for item in await outbox.pending(pool, device_id)]


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope("reply", Reply(text=HUGE, utterance_id="u1").to_wire()),
        Envelope("reply", Reply(text="Mission done: " + HUGE, kind="mission").to_wire()),
        Envelope("command", {"request_id": "r1", "text": HUGE}),
    ],
    ids=["reply", "mission-result", "device-command"],
)
async def test_a_message_with_long_text_is_cut_where_it_is_queued(
    clouds: CloudFactory, envelope: Envelope
) -> None:
    """A reply, a mission's result or a device command quoting 300,000 characters is queued
    cut in the middle to fit one frame, its start and end kept."""
    device_id, _ = await clouds.enroll("kitchen pi")
    await _queue(clouds.pool, device_id, envelope)
    (stored,) = await _stored(clouds.pool, device_id)
    assert stored.id == envelope.id
    assert _fits(stored)
    text = stored.body["text"]
    assert "characters cut to fit the link" in text
    assert text.startswith(envelope.body["text"][:100])


async def test_a_reminder_with_long_text_is_sent_cut(clouds: CloudFactory) -> None:
    """A reminder whose text was stored before the limits existed is said cut, not jammed."""
    device_id, _ = await clouds.enroll("kitchen pi")
    async with clouds.pool.acquire() as conn, conn.transaction():
        await reminders.store(
            conn,
            device_id=device_id,
            text=HUGE,
            due_at=datetime.now(UTC) - timedelta(seconds=1),
            utterance_id=None,
            trace_id=new_id(),
        )
    await reminders.deliver_due(clouds.pool)
    (stored,) = await _stored(clouds.pool, device_id)
    assert stored.body["kind"] == "reminder"
    assert _fits(stored)
    assert "characters cut to fit the link" in stored.body["text"]


async def test_a_message_that_must_stay_whole_is_refused_where_it_is_made(
    clouds: CloudFactory,
) -> None:
    """Settings or a mission too big for a frame are refused (413 too_large), never queued."""
    cloud = await clouds.start()
    device_id, _ = await clouds.enroll("kitchen pi")
    with pytest.raises(TooLargeError):
        await _queue(clouds.pool, device_id, Envelope("config", {"x": HUGE}))
    url = f"/v1/devices/{device_id}/config"
    async with (
        aiohttp.ClientSession() as session,
        session.put(f"{cloud.url}{url}", json={"voice": HUGE}, headers=cloud.admin_headers) as r,
    ):
        assert (r.status, (await r.json())["error"]["code"]) == (413, "too_large")
    # Each step's code is within its own limit; together they could never cross the link.
    step = {"action": "run_code", "params": {"code": "print(1)\n" * 3_000}}
    mission = {"kind": "python", "steps": [step] * 3}
    status, answer = await _post(cloud, "/v1/admin/missions", mission, cloud.admin_token)
    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await clouds.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_a_message_the_edge_refuses_by_id_leaves_the_outbox(clouds: CloudFactory) -> None:
    """An `error` naming a message with a refused-for-good code drops it: not sent again on
    the next connection, and the messages behind it flow."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    refused = Envelope("reply", Reply(text="unreadable here").to_wire())
    await _queue(clouds.pool, device_id, refused)
    edge, _ = await clouds.connect(cloud, device_id, token)
    got = await edge.expect("reply")
    assert got.id == refused.id
    await edge.send("error", {"code": "too_large", "message": "too big", "ref": refused.id})

    async def gone() -> bool:
        return await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 0

    await wait_for(gone)
    kinds = await clouds.pool.fetch("SELECT kind, detail FROM trace_events WHERE kind LIKE 'ref%'")
    assert [(row["kind"], row["detail"]["reason"]) for row in kinds] == [
        ("refused.reply", "too_large")
    ]
    await edge.close()
    after = Envelope("reply", Reply(text="the next one").to_wire())
    await _queue(clouds.pool, device_id, after)
    again, _ = await clouds.connect(cloud, device_id, token)
    assert (await again.expect("reply")).id == after.id
    assert await again.quiet(0.3) == []


async def test_an_oversized_row_already_queued_is_dropped_not_sent(clouds: CloudFactory) -> None:
    """A row too big for a frame that an older cloud queued (and that cannot be cut) is
    dropped with a trace event; the reply behind it is delivered."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    jam = Envelope("mission", {"mission": {"code": HUGE}})
    await clouds.pool.execute(
        "INSERT INTO outbox (id, device_id, envelope) VALUES ($1, $2, $3)",
        jam.id,
        device_id,
        outbox.envelope_json(jam),
    )
    behind = Envelope("reply", Reply(text="still here").to_wire())
    await _queue(clouds.pool, device_id, behind)
    edge, _ = await clouds.connect(cloud, device_id, token)
    assert (await edge.expect("reply")).id == behind.id
    assert [envelope.type for envelope in await edge.quiet(0.3)] == []
    kinds = await clouds.pool.fetchval(
        "SELECT array_agg(kind) FROM trace_events WHERE kind LIKE 'refused.%'"
    )
    assert kinds == ["refused.mission"]

"""The edge link: handshake, requests and replies, acks, the outbox, and bad frames."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from cloud_helpers import CloudFactory, EdgeClient, wait_for

from models import REFUSED_FOR_GOOD, Device, new_id


async def test_hello_is_welcomed_with_config(clouds: CloudFactory) -> None:
    """hello gets a welcome with the instance id, the device's settings, the heartbeat and the
    taught phrases."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    await clouds.pool.execute(
        'UPDATE devices SET settings = \'{"timezone": "Europe/Paris"}\' WHERE id = $1', device_id
    )
    _, welcome = await clouds.connect(cloud, device_id, token)
    assert welcome.body == {
        "instance_id": cloud.instance_id,
        "config": {"timezone": "Europe/Paris"},
        "heartbeat_s": 5,  # three in the default 15 s lease
        "phrases": [],  # none taught yet
    }
    row = await clouds.pool.fetchrow("SELECT * FROM devices WHERE id = $1", device_id)
    assert row["connected_instance"] == cloud.instance_id
    assert row["version"] == "test"


async def test_hello_for_another_device_is_refused(clouds: CloudFactory) -> None:
    """A hello naming a device other than the token's gets an error, then the link closes."""
    cloud = await clouds.start()
    _, token = await clouds.enroll("kitchen pi")
    other_id, _ = await clouds.enroll("office laptop")
    session, ws = await clouds.open_socket(cloud, token)
    try:
        device = Device(id=other_id, name="office laptop")
        hello = {"v": 1, "type": "hello", "id": new_id(), "trace_id": new_id(), "ts": 0}
        await ws.send_json({**hello, "body": {"device": device.to_wire(), "version": "1"}})
        error = json.loads((await ws.receive(timeout=5)).data)
        assert error["type"] == "error"
        assert error["body"]["code"] == "device_mismatch"
        assert (await ws.receive(timeout=5)).type == aiohttp.WSMsgType.CLOSE
    finally:
        await session.close()


async def test_messages_before_hello_are_refused(clouds: CloudFactory) -> None:
    """Anything but hello as the first message gets hello_required, and hello still works."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    session, ws = await clouds.open_socket(cloud, token)
    await ws.close()
    await session.close()
    await clouds.connect(cloud, device_id, token)
    # A second link of the same device replaces the first; test the refusal on a fresh socket.
    session, ws = await clouds.open_socket(cloud, token)
    try:
        request = {"v": 1, "type": "request", "id": "r1", "trace_id": "t1", "ts": 0, "body": {}}
        await ws.send_json(request)
        error = json.loads((await ws.receive(timeout=5)).data)
        assert (error["type"], error["body"]["code"], error["body"]["ref"]) == (
            "error",
            "hello_required",
            "r1",
        )
    finally:
        await ws.close()
        await session.close()


async def test_bad_hello_can_be_corrected(clouds: CloudFactory) -> None:
    """A hello with a bad body gets bad_body and no welcome; a correct hello then works."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    session, ws = await clouds.open_socket(cloud, token)
    edge = EdgeClient(session, ws, device_id)
    try:
        bad = await edge.send("hello", {"device": {"id": device_id}, "version": "1"})
        error = await edge.expect("error")
        assert error.body["code"] == "bad_body"
        assert error.body["ref"] == bad.id
        assert error.body["message"] == "body.device.capabilities: is missing"
        request = await edge.request("help")
        assert (await edge.expect("error")).body == {
            "code": "hello_required",
            "message": "Send hello first.",
            "ref": request.id,
        }
        device = Device(id=device_id, name="kitchen pi")
        await edge.send("hello", {"device": device.to_wire(), "version": "1"})
        await edge.expect("welcome")
    finally:
        await edge.close()


async def test_request_is_acked_and_replied(clouds: CloudFactory) -> None:
    """A request is acked after it is stored, and its reply names the utterance."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("what can you do")
    await edge.expect_ack(request.id)
    reply = await edge.expect_reply()
    utterance_id = request.body["utterance"]["id"]
    assert reply.body["utterance_id"] == utterance_id
    assert reply.trace_id == request.trace_id
    assert "remind" in reply.body["text"]


async def test_duplicate_request_is_replied_once(clouds: CloudFactory) -> None:
    """The same request envelope sent twice is acked twice but planned and replied only once."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    first = await edge.request("remind me in 10 minutes to stretch")
    await edge.send("request", first.body, id_=first.id, trace_id=first.trace_id)
    await edge.expect_ack(first.id)
    await edge.expect_ack(first.id)
    await edge.expect_reply()
    rest = await edge.quiet(0.5)
    assert [envelope.type for envelope in rest] == []
    assert await clouds.pool.fetchval("SELECT count(*) FROM reminders") == 1
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_ack_clears_the_outbox(clouds: CloudFactory) -> None:
    """A reply stays pending in the outbox until the edge acks it (a plain answer may reach
    the edge a moment before its row is written; the row is pending all the same)."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("help")
    reply = await edge.expect_reply()
    await edge.expect_ack(request.id)  # acked only once stored: the row is there now
    pending = "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
    assert await clouds.pool.fetchval(pending) == 1
    await edge.ack(reply)
    await wait_for(lambda: _equals(clouds, pending, 0))


async def test_an_ack_that_outruns_the_write_still_marks_the_reply_delivered(
    clouds: CloudFactory,
) -> None:
    """A plain answer goes out before it is stored. Here its write is held up (the device row is
    locked): the reply arrives all the same, the edge acks it before it is stored, the request
    itself stays unacked, and once the write goes through the reply ends up delivered, not
    pending (which would send it again)."""
    cloud = await clouds.start(pool_size=8)  # room for the ack's statement while the write waits
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    async with clouds.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM devices WHERE id = $1 FOR UPDATE", device_id)
        request = await edge.request("help")
        reply = await edge.expect_reply()
        await edge.ack(reply)
        assert [e.type for e in await edge.quiet(0.5)] == []  # no ack while not on disk
        assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 0
    await edge.expect_ack(request.id)
    delivered = "SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL"
    await wait_for(lambda: _equals(clouds, delivered, 1))


async def test_an_acked_message_is_not_sent_again_while_its_ack_is_being_written(
    clouds: CloudFactory,
) -> None:
    """The edge acked a reply, but the write that marks it delivered is held up (its outbox row
    is locked). A flush in that window (here, the one that sends a reminder) reads the reply as
    still pending: it must not send it again. Once the write goes through it is delivered."""
    cloud = await clouds.start(pool_size=8)  # room for the flush while the ack's write waits
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("help")
    reply = await edge.expect_reply()
    await edge.expect_ack(request.id)  # stored: its row is there to lock
    async with clouds.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE", reply.id)
        await edge.ack(reply)
        await edge.request("remind me in 1 second to stretch")
        # Sent by a flush of the outbox; what came before it (the confirmation, left unacked as
        # its write would queue too) waits in the inbox.
        await edge.expect_reply(kind="reminder")
        assert reply.id not in [envelope.id for envelope in edge.inbox]
    delivered = "SELECT delivered_at IS NOT NULL FROM outbox WHERE id = $1"
    await wait_for(lambda: clouds.pool.fetchval(delivered, reply.id))
    assert reply.id not in [envelope.id for envelope in await edge.quiet(0.3)]


async def _equals(clouds: CloudFactory, query: str, expected: int) -> bool:
    return await clouds.pool.fetchval(query) == expected


async def test_unacked_messages_are_resent_on_reconnect(clouds: CloudFactory) -> None:
    """A reply the edge never acked comes again, with the same id, on its next connection."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("help")
    reply = await edge.expect_reply()
    await edge.close()
    again, _ = await clouds.connect(cloud, device_id, token)
    resent = await again.expect_reply()
    assert resent.id == reply.id
    await again.ack(resent)
    await wait_for(
        lambda: _equals(clouds, "SELECT count(*) FROM outbox WHERE delivered_at IS NULL", 0)
    )
    third, _ = await clouds.connect(cloud, device_id, token)
    assert [e for e in await third.quiet(0.5) if e.type == "reply"] == []


async def test_bad_frames_get_errors_and_the_link_stays(clouds: CloudFactory) -> None:
    """Bad JSON, bad envelopes, unknown types, bad bodies, huge and binary frames get errors."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    envelope = {"v": 1, "type": "request", "id": "m1", "trace_id": "t1", "ts": 0.0, "body": {}}
    cases = [
        ("not json", "bad_envelope", "$"),
        (json.dumps({**envelope, "id": 5}), "bad_envelope", "id"),
        (json.dumps({**envelope, "v": 9}), "bad_envelope", "v"),
        (json.dumps({**envelope, "type": "dance"}), "unknown_type", "dance"),
        (json.dumps(envelope), "bad_body", "body.utterance"),
        (json.dumps({**envelope, "type": "heartbeat", "body": {"load": {}}}), "bad_body", "load"),
        (json.dumps({**envelope, "body": {"pad": "x" * 70_000}}), "too_large", "65536"),
        (json.dumps({**envelope, "body": {"text": "hi\x00"}}), "bad_envelope", "body.text"),
        (json.dumps({**envelope, "body": {"text": "\ud800"}}), "bad_envelope", "surrogate"),
        (json.dumps({**envelope, "ts": float("nan")}), "bad_envelope", "NaN"),
    ]
    for frame, code, mentioned in cases:
        await edge.ws.send_str(frame)
        error = await edge.expect("error")
        assert error.body["code"] == code, frame[:80]
        assert mentioned in error.body["message"]
        if code in {"unknown_type", "bad_body"} or mentioned in {"body.text", "surrogate"}:
            assert error.body["ref"] == "m1"
        assert code in REFUSED_FOR_GOOD
    await edge.ws.send_bytes(b"\x00\x01")
    assert (await edge.expect("error")).body["code"] == "unsupported"
    request = await edge.request("help")
    await edge.expect_ack(request.id)
    await edge.expect_reply()


async def test_data_postgresql_refuses_is_refused_for_good(clouds: CloudFactory) -> None:
    """A message whose data PostgreSQL refuses (a timestamp out of its range) would fail the
    same way every time: it is answered ``unstorable``, a code the edge drops it for, not
    ``internal``, which would have it sent again forever. Nothing of it is stored."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    body = {"trace_id": "t1", "kind": "mission.step_done", "ts": 1e300}
    sent = await edge.send("trace_event", body)
    error = await edge.expect("error")
    assert error.body["code"] == "unstorable"
    assert error.body["ref"] == sent.id
    assert "out of range" in error.body["message"]
    assert "unstorable" in REFUSED_FOR_GOOD
    stored = "SELECT count(*) FROM processed_messages WHERE id = $1"
    assert await clouds.pool.fetchval(stored, sent.id) == 0
    # The link stays up, and the same event with a sane timestamp is stored.
    await edge.send("trace_event", {**body, "ts": 1.7e9})
    from_edge = "SELECT count(*) FROM trace_events WHERE source = 'edge'"
    await wait_for(lambda: _equals(clouds, from_edge, 1))


async def test_bad_envelope_error_refers_to_its_id_when_readable(clouds: CloudFactory) -> None:
    """An invalid envelope with a readable id is named in the error's ref, so it can be dropped."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.ws.send_str(json.dumps({"v": 1, "type": "request", "id": "m7", "body": {}}))
    error = await edge.expect("error")
    assert error.body == {"code": "bad_envelope", "message": "trace_id: is missing", "ref": "m7"}


async def test_a_second_link_replaces_the_first(clouds: CloudFactory) -> None:
    """When a device connects again, the older link is closed and the new one gets the outbox."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    first, _ = await clouds.connect(cloud, device_id, token)
    second, _ = await clouds.connect(cloud, device_id, token)
    closed = await first.ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == 4000
    await second.request("help")
    await second.expect_reply()


async def test_revoking_closes_a_live_link_on_any_instance(clouds: CloudFactory) -> None:
    """Revoking a token (via instance 1) closes the device's open link held by instance 2."""
    first = await clouds.start()
    second = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(second, device_id, token)
    async with (
        aiohttp.ClientSession() as session,
        session.delete(
            f"{first.url}/v1/admin/devices/{device_id}/token", headers=first.admin_headers
        ) as response,
    ):
        assert response.status == 200
    closed = await edge.ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == 4001


async def test_heartbeat_records_load(clouds: CloudFactory) -> None:
    """A heartbeat stores the device's load and last-seen time, and is not acked."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    before = await clouds.pool.fetchval("SELECT last_seen FROM devices WHERE id = $1", device_id)
    await edge.send("heartbeat", {"load": {"cpu_percent": 12.5, "memory_percent": 40}})

    async def stored() -> object:
        return await clouds.pool.fetchrow(
            "SELECT load, last_seen FROM devices WHERE id = $1 AND load IS NOT NULL", device_id
        )

    row = await wait_for(stored)
    assert row["load"] == {"cpu_percent": 12.5, "memory_percent": 40.0}
    assert row["last_seen"] >= before
    assert [e.type for e in await edge.quiet(0.3)] == []


async def test_handled_messages_leave_trace_events(clouds: CloudFactory) -> None:
    """A request leaves trace events under its trace id: received, planned, queued, delivered."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("help")
    await edge.ack(await edge.expect_reply())

    async def kinds() -> list[str] | None:
        rows = await clouds.pool.fetch(
            "SELECT kind, source FROM trace_events WHERE trace_id = $1 ORDER BY id",
            request.trace_id,
        )
        found = [row["kind"] for row in rows]
        return found if "delivered.reply" in found else None

    expected = ["received.request", "planned.Answer", "enqueued.reply", "delivered.reply"]
    assert await wait_for(kinds) == expected
    async with (
        aiohttp.ClientSession(headers=cloud.admin_headers) as session,
        session.get(f"{cloud.url}/v1/admin/traces/{request.trace_id}") as response,
    ):
        events = (await response.json())["events"]
    assert [event["kind"] for event in events] == expected
    assert {event["source"] for event in events} == {"cloud"}
    assert {event["device_id"] for event in events} == {device_id}


async def test_a_silent_link_is_closed_and_a_heartbeating_one_kept(
    clouds: CloudFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watchdog closes a link that sent nothing for the idle time (4008), marks the device
    no longer connected, and leaves alone a link whose edge heartbeats."""
    monkeypatch.setattr("cloud.link.socket.IDLE_TIMEOUT_S", 1.0)
    monkeypatch.setattr("cloud.link.registry.WATCH_EVERY_S", 0.1)
    cloud = await clouds.start()
    quiet_id, quiet_token = await clouds.enroll("kitchen pi")
    busy_id, busy_token = await clouds.enroll("office laptop")
    quiet, _ = await clouds.connect(cloud, quiet_id, quiet_token)
    busy, _ = await clouds.connect(cloud, busy_id, busy_token)
    for _ in range(15):
        await busy.send("heartbeat", {"load": {"cpu_percent": 1.0, "memory_percent": 2.0}})
        await asyncio.sleep(0.2)
    closed = await quiet.ws.receive(timeout=5)
    assert closed.type == aiohttp.WSMsgType.CLOSE
    assert closed.data == 4008
    assert not busy.ws.closed
    connected = "SELECT connected_instance FROM devices WHERE id = $1"
    await wait_for(lambda: _is_none(clouds, connected, quiet_id))
    assert await clouds.pool.fetchval(connected, busy_id) == cloud.instance_id


async def _is_none(clouds: CloudFactory, query: str, device_id: str) -> bool:
    return await clouds.pool.fetchval(query, device_id) is None

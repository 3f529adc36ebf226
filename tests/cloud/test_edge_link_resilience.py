"""The edge's link (a real ``EdgeLink``) against clouds that misbehave, on real sockets.

A real cloud that keeps closing the link (a hello it refuses), and a scripted cloud standing in
for an older one that sends a frame too large to read: the edge backs off instead of dialling
in a tight loop, says so in its status, and refuses the frame by id instead of closing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from cloud_helpers import CloudFactory

from assistant.database import open_database
from assistant.device_config import ConfigCache
from assistant.edge_link import EdgeLink
from assistant.outbox import Inbox, Outbox
from cloud.store import device_state
from models import Device, Envelope, Reply, new_id
from models.device_intents import DeviceIntent
from models.phrases import TaughtPhrase


class Heard:
    """A ``LinkHandler`` that keeps what the cloud sent."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []

    async def on_reply(self, reply: Reply) -> None:
        self.replies.append(reply)

    async def on_command(self, text: str) -> str:
        return text

    async def on_config(self, settings: Mapping[str, Any]) -> None:
        return None

    async def on_refused(self, utterance_id: str, reason: str) -> None:
        return None

    async def on_phrases(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        return None

    async def on_device_intent(self, sent: DeviceIntent) -> None:
        return None


async def _link(tmp_path: Path, url: str, token: str, device_id: str) -> AsyncIterator[EdgeLink]:
    db = await open_database(tmp_path / "edge")
    link = EdgeLink(
        cloud_url=url,
        token=token,
        device=Device(id=device_id, name="edge", capabilities=frozenset()),
        version="test",
        outbox=Outbox(db),
        inbox=Inbox(db),
        config=ConfigCache(db),
    )
    try:
        yield link
    finally:
        await link.close()
        await db.close()


class CountingProxy:
    """A TCP relay in front of the cloud that counts the connections made through it."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            pump = asyncio.create_task(_pump(source, sink))
            self._pumps.add(pump)
            pump.add_done_callback(self._pumps.discard)

    async def __aenter__(self) -> str:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        assert self._server is not None
        self._server.close()
        for pump in list(self._pumps):
            pump.cancel()
        await asyncio.gather(*self._pumps, return_exceptions=True)


async def _pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


async def test_a_link_the_cloud_keeps_closing_backs_off_and_says_so(
    clouds: CloudFactory, tmp_path: Path
) -> None:
    """The cloud closes every link at hello (another device's token): the edge re-dials with
    growing waits, not at once, logs once per backoff step, and `problem()` says so."""
    cloud = await clouds.start()
    _, token = await clouds.enroll("kitchen pi")
    proxy = CountingProxy(cloud.url)
    async with proxy as url:
        with structlog.testing.capture_logs() as logs:
            async for link in _link(tmp_path, url, token, device_id=new_id()):
                link.start(Heard())
                await asyncio.sleep(5.0)
                problem = link.problem()
                assert not link.is_connected()
    # Waits of 0.5, 1, 2 s (plus up to 1 s of jitter each): 3 or 4 dials in 5 s, where
    # dialling again at once made hundreds.
    assert 3 <= proxy.connections <= 4
    retrying = [entry["attempt"] for entry in logs if entry["event"] == "edge_link.retrying"]
    assert retrying in ([1, 2], [1, 2, 4])
    assert problem is not None
    assert "keeps failing" in problem


class OlderCloud:
    """Stands in for a cloud from before frames were bounded (today's cannot send one too big):
    after the welcome it sends a 300,000-character reply, then a normal one, and keeps what
    the edge answers."""

    def __init__(self) -> None:
        self.jam = Envelope("reply", Reply(text="q" * 300_000).to_wire())
        self.after = Envelope("reply", Reply(text="the next one").to_wire())
        self.heard: list[Envelope] = []
        self.acked = asyncio.Event()
        self.connections = 0

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        self.connections += 1
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            envelope = Envelope.decode(message.data)
            self.heard.append(envelope)
            if envelope.type == "ack":
                self.acked.set()
            if envelope.type == "hello":
                welcome = Envelope("welcome", {"instance_id": "old", "heartbeat_s": 10})
                for frame in (welcome, self.jam, self.after):
                    await ws.send_str(frame.encode())
        return ws

    def of_type(self, kind: str) -> list[Envelope]:
        return [envelope for envelope in self.heard if envelope.type == kind]


async def test_a_frame_too_large_is_refused_by_id_and_the_link_stays_up(tmp_path: Path) -> None:
    """The edge answers an oversized frame with an `error` naming it (`too_large`), keeps the
    socket open, and handles the message behind it."""
    older = OlderCloud()
    app = web.Application()
    app.router.add_get("/v1/edge", older.socket)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    heard = Heard()
    try:
        async for link in _link(tmp_path, url, "token", device_id=new_id()):
            link.start(heard)
            await asyncio.wait_for(older.acked.wait(), 10)
            await asyncio.sleep(0.3)
            assert link.is_connected()
    finally:
        await runner.cleanup()
    (refusal,) = older.of_type("error")
    assert refusal.body["code"] == "too_large"
    assert refusal.body["ref"] == older.jam.id
    assert [ack.body["ids"] for ack in older.of_type("ack")] == [[older.after.id]]
    assert [reply.text for reply in heard.replies] == ["the next one"]
    assert older.connections == 1


async def test_capabilities_offered_after_start_reach_the_cloud_with_a_new_hello(
    clouds: CloudFactory, tmp_path: Path
) -> None:
    """A microphone plugged in after start: the link says hello again (one new connection, not
    backed off as a failure) and the cloud records the new capabilities; offering the same
    again changes nothing."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    proxy = CountingProxy(cloud.url)
    async with proxy as url:
        with structlog.testing.capture_logs() as logs:
            async for link in _link(tmp_path, url, token, device_id=device_id):
                link.start(Heard())
                await asyncio.wait_for(link.wait_connected(), 10)
                assert await device_state.capabilities_of(clouds.pool, device_id) == []
                await link.offer(frozenset({"microphone"}))
                for _ in range(200):
                    if await device_state.capabilities_of(clouds.pool, device_id):
                        break
                    await asyncio.sleep(0.05)
                await asyncio.wait_for(link.wait_connected(), 10)
                await link.offer(frozenset({"microphone"}))  # the same again: no new hello
                await asyncio.sleep(0.5)
                assert link.is_connected()
    assert await device_state.capabilities_of(clouds.pool, device_id) == ["microphone"]
    assert proxy.connections == 2
    assert "edge_link.retrying" not in [line["event"] for line in logs]

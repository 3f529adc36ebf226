"""Test helpers for the cloud: instances on real sockets, and a scripted edge on the WebSocket."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from cloud.app import create_app
from cloud.keys import ADMIN_TOKEN
from cloud.planning.planner import Planner
from cloud.store import database, devices
from jarvis.settings import Settings, load_settings
from models import Device, Envelope, Utterance, new_id

TIMEOUT_S = 10.0
NO_WEATHER_URL = "http://127.0.0.1:9"
"""The discard port: nothing listens, so a cloud under test never asks the real weather
provider (a test that wants the weather serves cloud.weather.open_meteo_testing and says so)."""


@dataclass
class CloudInstance:
    url: str
    instance_id: str
    admin_token: str
    runner: web.AppRunner
    pool: asyncpg.Pool

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}


@dataclass
class EdgeClient:
    """A scripted edge: sends envelopes and waits for the ones it expects."""

    session: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    device_id: str
    inbox: list[Envelope] = field(default_factory=list)

    clock_s: Callable[[], float] = time.time
    """This edge's clock: what it stamps its envelopes (and utterances) with."""

    async def send(
        self, type_: str, body: Mapping[str, Any], *, id_: str | None = None, trace_id: str = ""
    ) -> Envelope:
        envelope = Envelope(
            type=type_, body=dict(body), id=id_ or new_id(), trace_id=trace_id or new_id()
        )
        envelope = dataclasses.replace(envelope, ts=self.clock_s())
        await self.ws.send_str(envelope.encode())
        return envelope

    async def request(
        self,
        text: str,
        *,
        id_: str | None = None,
        said_at: float = 0.0,
        words_doubted: bool = False,
    ) -> Envelope:
        """``said_at``: the utterance's time on this edge's clock (0: not given);
        ``words_doubted``: the edge's recognizer doubted ``text``."""
        utterance = Utterance(
            id=new_id(), text=text, trace_id=new_id(), device_id=self.device_id, ts=said_at,
            words_doubted=words_doubted,
        )  # fmt: skip
        return await self.send(
            "request",
            {"utterance": utterance.to_wire()},
            id_=id_,
            trace_id=utterance.trace_id,
        )

    async def expect(
        self,
        type_: str,
        where: Callable[[Envelope], bool] = lambda _envelope: True,
        *,
        timeout_s: float = TIMEOUT_S,
    ) -> Envelope:
        """The first message of ``type_`` (matching ``where``), buffering the others."""
        for index, envelope in enumerate(self.inbox):
            if envelope.type == type_ and where(envelope):
                return self.inbox.pop(index)
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {type_!r} within {timeout_s} s; got {self.inbox}")
            message = await self.ws.receive(timeout=remaining)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"link closed while waiting for {type_!r}: {message}")
            envelope = Envelope.decode(message.data)
            if envelope.type == type_ and where(envelope):
                return envelope
            self.inbox.append(envelope)

    async def expect_reply(self, *, kind: str = "reply", timeout_s: float = TIMEOUT_S) -> Envelope:
        return await self.expect(
            "reply", lambda envelope: envelope.body["kind"] == kind, timeout_s=timeout_s
        )

    async def expect_ack(self, message_id: str) -> Envelope:
        return await self.expect("ack", lambda envelope: message_id in envelope.body["ids"])

    async def ack(self, *envelopes: Envelope) -> None:
        await self.send("ack", {"ids": [envelope.id for envelope in envelopes]})

    async def quiet(self, seconds: float = 0.3) -> list[Envelope]:
        """Whatever arrives within ``seconds`` (to check that nothing more comes)."""
        got = list(self.inbox)
        self.inbox.clear()
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = await self.ws.receive(timeout=remaining)
            except TimeoutError:
                break
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            got.append(Envelope.decode(message.data))
        return got

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


class CloudFactory:
    """Starts cloud instances over one pool and connects edges to them; closes all at the end."""

    def __init__(self, pool: asyncpg.Pool, database_url: str, data_dir: Path) -> None:
        self.pool = pool
        """The test's own pool, for looking at (and arranging) rows."""
        self.database_url = database_url
        self.settings = Settings(data_dir=data_dir, cloud_port=0, weather_url=NO_WEATHER_URL)
        self._instances: list[CloudInstance] = []
        self._edges: list[EdgeClient] = []

    async def start(
        self,
        *,
        planner: Planner | None = None,
        environ: Mapping[str, str] | None = None,
        pool_size: int = 3,
    ) -> CloudInstance:
        instance_id = new_id()[:12]
        pool = await database.create_pool(self.database_url, max_size=pool_size)
        settings = self.settings
        if environ:
            # Read as the cloud process reads them, over this factory's data dir.
            base = {
                "JARVIS_DATA_DIR": str(settings.data_dir),
                "JARVIS_CLOUD_PORT": "0",
                "JARVIS_WEATHER_URL": NO_WEATHER_URL,
            }
            settings = load_settings({**base, **environ})
        app = await create_app(settings, pool, instance_id, planner=planner)
        runner = web.AppRunner(app, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        instance = CloudInstance(url, instance_id, app[ADMIN_TOKEN], runner, pool)
        self._instances.append(instance)
        return instance

    async def stop(self, instance: CloudInstance) -> None:
        if instance in self._instances:
            self._instances.remove(instance)
            await instance.runner.cleanup()
            await database.close_pool(instance.pool)

    async def enroll(self, name: str) -> tuple[str, str]:
        return await devices.enroll_device(self.pool, name)

    async def open_socket(self, instance: CloudInstance, token: str | None) -> Any:
        """The raw WebSocket handshake result (or the HTTP error) for a token."""
        session = aiohttp.ClientSession()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            ws = await session.ws_connect(f"{instance.url}/v1/edge", headers=headers)
        except BaseException:
            await session.close()
            raise
        return session, ws

    async def connect(
        self,
        instance: CloudInstance,
        device_id: str,
        token: str,
        *,
        name: str = "test device",
        clock_off_s: float = 0.0,
        capabilities: frozenset[str] = frozenset({"speaker"}),
    ) -> tuple[EdgeClient, Envelope]:
        """An edge that said hello; returns it and the welcome. ``clock_off_s``: how far its
        clock is ahead of the real time (negative: behind); ``capabilities``: what it offers."""
        session, ws = await self.open_socket(instance, token)
        edge = EdgeClient(session, ws, device_id, clock_s=lambda: time.time() + clock_off_s)
        self._edges.append(edge)
        device = Device(id=device_id, name=name, capabilities=capabilities)
        await edge.send("hello", {"device": device.to_wire(), "version": "test"})
        welcome = await edge.expect("welcome")
        return edge, welcome

    async def close(self) -> None:
        for edge in self._edges:
            await edge.close()
        for instance in list(self._instances):
            await self.stop(instance)


async def wait_for(check: Callable[[], Any], *, timeout_s: float = TIMEOUT_S) -> Any:
    """Poll an async ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)

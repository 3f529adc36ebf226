"""Jarvis processes for end-to-end tests: a cloud, a way to enroll, and a cuttable TCP link."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import re
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edges import JARVIS, edge_environment
from jarvis_process import JarvisProcess, start_jarvis

CLOUD_READY = re.compile(r"Jarvis cloud listening on (http://\S+)")
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CloudProcess = JarvisProcess


def cloud_environment(data_dir: Path, port: int, database_url: str | None) -> dict[str, str]:
    environ = edge_environment(data_dir)
    environ["JARVIS_CLOUD_PORT"] = str(port)
    environ.pop("DATABASE_URL", None)
    if database_url:
        environ["DATABASE_URL"] = database_url
    return environ


def start_cloud(
    data_dir: Path, port: int, *, database_url: str | None = None, log_name: str = "cloud.log"
) -> CloudProcess:
    return start_jarvis(
        ["cloud"],
        cloud_environment(data_dir, port, database_url),
        data_dir.parent / log_name,
        ready=CLOUD_READY,
        timeout_s=START_TIMEOUT_S,
        what="the cloud",
    )


def enroll(
    cloud_data_dir: Path, edge_data_dir: Path, name: str, database_url: str | None = None
) -> str:
    """`jarvis cloud enroll NAME`, then `jarvis edge set-token` in the edge's data dir."""
    result = subprocess.run(
        [JARVIS, "cloud", "enroll", name],
        env=cloud_environment(cloud_data_dir, 0, database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = re.search(r"token:\s+(\S+)", result.stdout)
    assert token, result.stdout + result.stderr
    subprocess.run(
        [JARVIS, "edge", "set-token", token.group(1)],
        env=edge_environment(edge_data_dir),
        capture_output=True,
        timeout=60,
        check=True,
    )
    return token.group(1).split(".", 1)[0]


def post(url: str, text: str, **fields: Any) -> tuple[int, dict[str, Any]]:
    """POST ``text`` (and ``fields``: ``spoken``, ``words_sure`` …) to the edge's utterances."""
    request = urllib.request.Request(
        f"{url}/v1/utterances",
        data=json.dumps({"text": text, **fields}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def get_utterance(url: str, utterance_id: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/utterances/{utterance_id}", timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    return body


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class EventRecorder:
    """Collects every `reply` event of an edge's SSE stream on a background thread."""

    def __init__(self, url: str) -> None:
        self.events: list[dict[str, Any]] = []
        address = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=300)
        connection.connect()
        # Kept to cut the stream at close: closing the response from this thread would wait for
        # the reader's blocked read, that is for the edge's next keep-alive (15 s).
        self._socket = connection.sock
        connection.request("GET", "/v1/events")
        self._stream = connection.getresponse()
        self._stream.readline()  # ": subscribed"
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        event = ""
        # Closing the stream from the test thread ends this loop with one of these.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            for raw in self._stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event == "reply":
                    self.events.append(json.loads(line.removeprefix("data:")))

    def for_utterance(self, utterance_id: str, kind: str = "reply") -> list[dict[str, Any]]:
        return [e for e in self.events if e["utterance_id"] == utterance_id and e["kind"] == kind]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(10)
        self._stream.close()


@dataclass
class TcpProxy:
    """A load balancer in miniature: forwards each connection to the first live backend.

    ``cut_on`` makes it sever the next connection that carries those bytes from the backend,
    after forwarding them (``forward_trigger``) or not, and after dropping whatever the client
    sends from then on — the shape of a network that fails in the middle of a reply.

    ``blackhole`` drops everything both ways while the connections stay open — a partition,
    where neither side hears the other and neither knows; ``heal`` ends it by closing those
    connections, as a NAT that forgot them would, so the client dials again.
    """

    backends: list[int]
    port: int = field(default_factory=free_port)
    seen: list[bytes] = field(default_factory=list)
    cut_on: bytes | None = None
    forward_trigger: bool = True
    cuts: int = 0
    blackhole: bool = False
    _open: set[asyncio.StreamWriter] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self._ready.set()
        with contextlib.suppress(RuntimeError):
            self._loop.run_forever()
        server.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        backend = await self._open_backend()
        if backend is None:
            client_w.close()
            return
        backend_r, backend_w = backend
        self._open.update((client_w, backend_w))
        severed = asyncio.Event()
        upstream = asyncio.create_task(self._pump(client_r, backend_w, severed, downstream=False))
        downstream = asyncio.create_task(self._pump(backend_r, client_w, severed, downstream=True))
        await asyncio.wait({upstream, downstream}, return_when=asyncio.FIRST_COMPLETED)
        if severed.is_set():
            await asyncio.sleep(0.3)
        for task in (upstream, downstream):
            task.cancel()
        for writer in (client_w, backend_w):
            self._open.discard(writer)
            writer.close()

    async def _open_backend(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        for port in self.backends:
            try:
                return await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
        return None

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        severed: asyncio.Event,
        *,
        downstream: bool,
    ) -> None:
        while data := await reader.read(65536):
            if severed.is_set() or self.blackhole:
                continue  # the network is gone: nothing more gets through
            if downstream:
                self.seen.append(data)
                if self.cut_on is not None and self.cut_on in data:
                    self.cut_on = None
                    self.cuts += 1
                    severed.set()
                    if self.forward_trigger:
                        writer.write(data)
                        await writer.drain()
                    return
            writer.write(data)
            await writer.drain()

    def heal(self) -> None:
        """End a blackhole: close the connections it swallowed, and forward again."""

        def close_all() -> None:
            for writer in list(self._open):
                writer.close()
            self.blackhole = False

        self._loop.call_soon_threadsafe(close_all)

    def count(self, needle: bytes) -> int:
        return sum(chunk.count(needle) for chunk in self.seen)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

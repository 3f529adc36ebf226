"""Chaos: real Jarvis processes under mixed traffic while faults are injected at random.

Run ``python bench/chaos.py [--minutes 5] [--seed N]`` (``just chaos``). It starts, in a
temporary directory:

- a cloud (``jarvis cloud``) on an embedded PostgreSQL, behind a TCP proxy that edges dial (the
  proxy forwards each connection to the first live cloud instance, as a load balancer would);
- two edges (``jarvis edge``), enrolled, each on its own data dir and port.

Traffic, about one request a second to a random edge: local commands ("what is 6 times 7",
answered by the edge), forwarded requests ("what can you do", answered by the cloud), and
reminders due 5 to 40 seconds later. A watcher per edge follows its ``/v1/events`` stream and
reconnects whenever the edge comes back.

Faults, one every 8 to 20 seconds, at random: ``kill -9`` of an edge (restarted 2 s later), of
the cloud (restarted), of PostgreSQL (the cloud is then restarted, which restarts it, as a
service manager would); the link cut for 5 s at the proxy; a second cloud instance started and,
later, killed with ``kill -9``.

At the end (traffic stops, then everything due is waited for), one row per kind of work: sent,
answered once, answered twice or more, lost, late (more than 2 s after it was due, or after the
recovery that followed its due time) and the worst lateness. The exit status is 1 on any loss or
duplicate. Requests an edge refused because it was down are not "sent".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

JARVIS = str(Path(sys.executable).parent / "jarvis")
READY = re.compile(rb"listening on (http://\S+)")
LATE_AFTER_S = 2.0
SETTLE_S = 30.0
"""After the last due time: how long replies may still take before they count as lost."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """One `jarvis` child process, restartable with the same settings."""

    name: str
    args: list[str]
    environ: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    async def start(self, timeout_s: float = 120.0) -> None:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = await asyncio.to_thread(
                subprocess.Popen, [JARVIS, *self.args], env=self.environ, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if READY.search(self.log_path.read_bytes()[offset:]):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start: see {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.kill()
            self.process.wait(30)

    async def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.process.wait, 60)
            except subprocess.TimeoutExpired:
                self.kill()


class Proxy:
    """Forwards each connection to the first cloud port that accepts; ``cut`` drops them all."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = free_port()
        self.refusing = False
        self._open: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        backend = None
        if not self.refusing:
            for port in self.backends:
                with contextlib.suppress(OSError):
                    backend = await asyncio.open_connection("127.0.0.1", port)
                    break
        if backend is None:
            writer.close()
            return
        backend_reader, backend_writer = backend
        self._open.update((writer, backend_writer))
        pumps = [
            asyncio.create_task(self._pump(reader, backend_writer)),
            asyncio.create_task(self._pump(backend_reader, writer)),
        ]
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        for each in (writer, backend_writer):
            self._open.discard(each)
            each.close()

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    async def cut(self, seconds: float) -> None:
        """The network fails: open connections die and new ones are refused for ``seconds``."""
        self.refusing = True
        for writer in list(self._open):
            writer.close()
        await asyncio.sleep(seconds)
        self.refusing = False

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._open):
            writer.close()


@dataclass
class Work:
    kind: str
    edge: int
    utterance_id: str
    sent_at: float
    due_at: float | None = None
    answered_at: float | None = None
    """When the request's own reply was in hand (local: at once)."""


@dataclass
class Edge:
    index: int
    process: Process
    url: str
    events: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    """utterance id → (kind, time) of every event this edge published that the watcher saw."""


@dataclass
class Chaos:
    root: Path
    rng: random.Random
    clouds: list[Process] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    proxy: Proxy | None = None
    work: list[Work] = field(default_factory=list)
    recoveries: list[float] = field(default_factory=list)
    fault_log: list[tuple[float, str, float]] = field(default_factory=list)
    """(started, fault, recovered) for each fault, to say what preceded a late delivery."""
    late: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    faults: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    refused: int = 0
    sending: set[asyncio.Task[None]] = field(default_factory=set)

    # --- setting up -------------------------------------------------------------------------

    def environ(self, data_dir: Path, **extra: str) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("JARVIS_")}
        environ.update(
            JARVIS_DATA_DIR=str(data_dir),
            JARVIS_LOG_FORMAT="json",
            JARVIS_LOG_LEVEL="info",
            JARVIS_VOICE="off",
            JARVIS_TIMEZONE="UTC",
            DISPLAY="",
            WAYLAND_DISPLAY="",
            **extra,
        )
        return environ

    def cloud(self, number: int, port: int) -> Process:
        environ = self.environ(self.root / "cloud", JARVIS_CLOUD_PORT=str(port))
        return Process(f"cloud {number}", ["cloud"], environ, self.root / f"cloud-{number}.log")

    async def set_up(self) -> None:
        (self.root / "cloud").mkdir()
        ports = [free_port(), free_port()]
        self.clouds = [self.cloud(1, ports[0]), self.cloud(2, ports[1])]
        await self.clouds[0].start()
        self.proxy = Proxy(ports)
        await self.proxy.start()
        for index in range(2):
            data_dir = self.root / f"edge-{index}"
            data_dir.mkdir()
            token = await asyncio.to_thread(self._enroll, f"chaos edge {index}")
            await asyncio.to_thread(
                subprocess.run,
                [JARVIS, "edge", "set-token", token],
                env=self.environ(data_dir),
                check=True,
                capture_output=True,
            )
            port = free_port()
            environ = self.environ(
                data_dir,
                JARVIS_EDGE_PORT=str(port),
                JARVIS_CLOUD_URL=f"http://127.0.0.1:{self.proxy.port}",
                JARVIS_DEVICE_NAME=f"chaos edge {index}",
                JARVIS_WORKER="false",
            )
            process = Process(f"edge {index}", ["edge"], environ, self.root / f"edge-{index}.log")
            await process.start()
            self.edges.append(Edge(index, process, f"http://127.0.0.1:{port}"))

    def _enroll(self, name: str) -> str:
        result = subprocess.run(
            [JARVIS, "cloud", "enroll", name],
            env=self.environ(self.root / "cloud", JARVIS_CLOUD_PORT="0"),
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        found = re.search(r"token:\s+(\S+)", result.stdout)
        assert found, result.stdout + result.stderr
        return found.group(1)

    # --- watching ---------------------------------------------------------------------------

    async def watch(self, session: aiohttp.ClientSession, edge: Edge) -> None:
        """Follow the edge's event stream; reconnect whenever it is back, asking with
        ``Last-Event-ID`` for what was published meanwhile (the SSE standard) where the edge
        numbers its events. An event seen twice under one id is the replay, not a duplicate."""
        last_id: str | None = None
        seen: set[str] = set()
        while True:
            headers = {"Last-Event-ID": last_id} if last_id else {}
            try:
                async with session.get(f"{edge.url}/v1/events", headers=headers) as stream:
                    kind, event_id, data = "", None, ""
                    async for raw in stream.content:
                        line = raw.decode("utf-8").rstrip("\r\n")
                        if line.startswith("event:"):
                            kind = line[6:].strip()
                        elif line.startswith("id:"):
                            event_id = line[3:].strip()
                        elif line.startswith("data:"):
                            data += line[5:]
                        elif not line:  # the end of one event: dispatch it
                            if kind == "reply" and data:
                                last_id = event_id or last_id
                                if event_id is None or event_id not in seen:
                                    seen.add(event_id or "")
                                    event = json.loads(data)
                                    edge.events[event["utterance_id"]].append(
                                        (event["kind"], time.time())
                                    )
                            kind, event_id, data = "", None, ""
            except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
                pass
            await asyncio.sleep(0.3)

    # --- traffic ----------------------------------------------------------------------------

    async def traffic(self, session: aiohttp.ClientSession, until: float) -> None:
        number = 0
        while time.monotonic() < until:
            number += 1
            edge = self.rng.choice(self.edges)
            kind = self.rng.choice(["local", "forwarded", "reminder"])
            if kind == "local":
                a, b = self.rng.randint(2, 40), self.rng.randint(2, 40)
                text, due_in = f"what is {a} times {b}", None
            elif kind == "forwarded":
                text, due_in = "what can you do", None
            else:
                due_in = self.rng.randint(5, 40)
                text = f"remind me in {due_in} seconds to check chaos {number}"
            task = asyncio.create_task(self.send(session, edge, kind, text, due_in))
            self.sending.add(task)
            task.add_done_callback(self.sending.discard)
            await asyncio.sleep(self.rng.uniform(0.5, 1.5))

    async def send(
        self,
        session: aiohttp.ClientSession,
        edge: Edge,
        kind: str,
        text: str,
        due_in: float | None,
    ) -> None:
        sent_at = time.time()
        try:
            async with session.post(
                f"{edge.url}/v1/utterances",
                json={"text": text},
                timeout=aiohttp.ClientTimeout(total=10),
            ) as response:
                body: dict[str, Any] = await response.json()
        except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
            self.refused += 1  # the edge was down: nothing was accepted, nothing is owed
            return
        if response.status >= 400:
            self.refused += 1
            return
        work = Work(kind, edge.index, body["id"], sent_at)
        if due_in is not None:
            work.due_at = sent_at + due_in
        if body.get("status") == "done":
            work.answered_at = time.time()
        self.work.append(work)

    # --- faults -----------------------------------------------------------------------------

    async def faults_until(self, until: float) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(8, 20))
            if time.monotonic() >= until:
                return
            fault = self.rng.choice(
                ["kill edge", "kill cloud", "kill postgres", "cut link", "second cloud"]
            )
            self.faults[fault] += 1
            print(f"  {time.strftime('%H:%M:%S')} fault: {fault}", flush=True)
            try:
                await self.inject(fault)
            except RuntimeError as error:
                print(f"  could not recover from {fault}: {error}", flush=True)
                raise

    async def inject(self, fault: str) -> None:
        started = time.time()
        await self._inject(fault)
        self.recoveries.append(time.time())
        self.fault_log.append((started, fault, time.time()))

    async def _inject(self, fault: str) -> None:
        if fault == "kill edge":
            edge = self.rng.choice(self.edges)
            edge.process.kill()
            await asyncio.sleep(2)
            await edge.process.start()
        elif fault == "kill cloud":
            self.clouds[0].kill()
            await asyncio.sleep(1)
            await self.clouds[0].start()
        elif fault == "kill postgres":
            pid_file = self.root / "cloud" / "postgres" / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            await asyncio.sleep(1)
            # Nothing restarts PostgreSQL by itself: restart the cloud, whose start does.
            for cloud in self.clouds:
                await cloud.stop()
            await self.clouds[0].start()
        elif fault == "cut link":
            assert self.proxy is not None
            await self.proxy.cut(5)
        elif fault == "second cloud":
            second = self.clouds[1]
            if not second.alive():
                await second.start()
                await asyncio.sleep(self.rng.uniform(5, 15))
            second.kill()

    # --- the verdict ------------------------------------------------------------------------

    async def final_states(self, session: aiohttp.ClientSession) -> dict[str, str]:
        states = {}
        for work in self.work:
            url = f"{self.edges[work.edge].url}/v1/utterances/{work.utterance_id}"
            with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    states[work.utterance_id] = (await response.json())["status"]
        return states

    def table(self, states: dict[str, str]) -> tuple[list[list[str]], int]:
        rows = []
        bad = 0
        for kind in ("local", "forwarded", "reminder"):
            items = [w for w in self.work if w.kind == kind]
            once = twice = lost = late = 0
            worst = 0.0
            for work in items:
                events = self.edges[work.edge].events.get(work.utterance_id, [])
                if kind == "reminder":
                    times = [t for k, t in events if k not in ("reply", "progress")]
                else:
                    times = [t for k, t in events if k == "reply"]
                    if not times and states.get(work.utterance_id) == "done":
                        # Answered while no watcher was connected (the edge was restarting):
                        # the edge's own record says it was answered, once.
                        times = [work.answered_at or work.sent_at]
                if not times:
                    lost += 1
                    if work.due_at is not None:
                        self.lost.append(
                            f"edge {work.edge}, {work.utterance_id}: "
                            + self._why_late(work.due_at, work.due_at + SETTLE_S, 0.0)
                        )
                    continue
                once += len(times) == 1
                twice += len(times) > 1
                if work.due_at is not None:
                    due = max(
                        [work.due_at] + [r for r in self.recoveries if work.due_at <= r <= times[0]]
                    )
                    lateness = times[0] - due
                    if lateness > LATE_AFTER_S:
                        late += 1
                        worst = max(worst, lateness)
                        self.late.append(self._why_late(work.due_at, times[0], lateness))
            bad += lost + twice
            rows.append(
                [kind, str(len(items)), str(once), str(twice), str(lost), str(late), f"{worst:.1f}"]
            )
        return rows, bad

    def _why_late(self, due_at: float, received_at: float, lateness: float) -> str:
        around = [
            f"{fault} ({started - due_at:+.1f} s to {recovered - due_at:+.1f} s)"
            for started, fault, recovered in self.fault_log
            if started <= received_at and recovered >= due_at - 30
        ]
        return f"{lateness:.1f} s late; faults around its due time: {', '.join(around) or 'none'}"

    async def tear_down(self) -> None:
        for edge in self.edges:
            await edge.process.stop()
        for cloud in self.clouds:
            await cloud.stop()
        if self.proxy is not None:
            await self.proxy.close()


async def run(minutes: float, seed: int, root: Path) -> int:
    chaos = Chaos(root, random.Random(seed))
    print(f"chaos: {minutes:g} min, seed {seed}, in {root}", flush=True)
    try:
        await chaos.set_up()
        async with aiohttp.ClientSession() as session:
            watchers = [asyncio.create_task(chaos.watch(session, edge)) for edge in chaos.edges]
            until = time.monotonic() + minutes * 60
            faults = asyncio.create_task(chaos.faults_until(until))
            await chaos.traffic(session, until)
            await faults
            last_due = max((w.due_at or 0 for w in chaos.work), default=0)
            await asyncio.sleep(max(0.0, last_due - time.time()) + SETTLE_S)
            states = await chaos.final_states(session)
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
    finally:
        await chaos.tear_down()
    rows, bad = chaos.table(states)
    header = ["work", "sent", "answered once", "twice", "lost", "late (>2 s)", "worst late s"]
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print(f"faults: {dict(chaos.faults)}; requests refused while an edge was down: {chaos.refused}")
    for line in chaos.late:
        print(f"late reminder: {line}")
    for line in chaos.lost:
        print(f"lost reminder: {line}")
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="Keep the data dirs and logs.")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="jarvis-chaos-"))
    # Run as root, the embedded PostgreSQL's own user must pass through the directory.
    root.chmod(0o755)
    try:
        code = asyncio.run(run(args.minutes, args.seed, root))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()

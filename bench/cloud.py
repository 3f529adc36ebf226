"""Benchmark: edge → cloud → edge over the WebSocket link, against REST polling, side by side.

Run ``python bench/cloud.py [--edges 1,50,500] [--seconds 6]``. It starts one real cloud
instance as a child process (``jarvis cloud``, embedded PostgreSQL in a temporary data dir, or
``DATABASE_URL`` when set: the edges are enrolled there too, as "bench <random> N"), so the
simulated edges never share the server's event loop. It enrolls the edges through the admin API,
then, for each edge count, drives the same work through each transport:

- ``websocket``: each edge holds ``/v1/edge``, sends a ``request`` envelope and waits for its
  ``reply`` (which it acks), then sends the next;
- ``rest poll N ms``: ``POST /v1/requests``, then ``GET /v1/requests/{id}/reply`` after N ms and
  every N ms while it answers 204 (a client that does not know the reply may be ready at once);
- ``rest immediate``: the same, but the first GET goes out as soon as the POST is answered (and
  re-polls every 5 ms).

Every request is "what can you do": the rule planner answers it in microseconds, so what is
measured is the transport and the cloud's storage path, not planning. Latency is the full round
trip the edge sees (send → reply in hand, loopback), percentiles over the requests that complete
after a warm-up. Two loads, since a closed loop cannot show both figures at 500 edges (Little's law:
latency = edges in flight ÷ throughput):

- ``closed``: every edge sends its next request as soon as it has the reply (throughput);
- ``paced``: ``--rate`` requests per second in total, spread evenly over the edges (each edge
  sends one every ``edges / rate`` seconds): latency at the same steady load for any edge count.

The server's, PostgreSQL's and this client's CPU use is printed with each run, so a saturated
client or database shows, and with it the cloud's CPU time per request. Two floors of this
machine come with the figures: an idle PostgreSQL round trip and durable commit, and a bare aiohttp
WebSocket server answering the same frames through the same envelope codec with no planning and
no database (``--bare-server``, run as a child process), at 50 edges in a closed loop.
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
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if not __package__:
    # Run as `python bench/NAME.py`, bench/ comes first on sys.path, and bench/cloud.py (named
    # after what it measures, as the issue asks) would stand in for the `cloud` package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import aiohttp
import psutil

from jarvis.cli.support import loop_factory
from models import Device, Envelope, Utterance, new_id

TEXT = "what can you do"
WARMUP_S = 2.0
DRAIN_S = 10.0
"""How long requests still in flight at the end may take to finish (they are not counted)."""
POLL_TIGHT_S = 0.005
READY = re.compile(r"listening on (?P<url>http://\S+)")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Edge:
    device_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Run:
    transport: str
    edges: int
    load: str
    latencies_s: list[float] = field(default_factory=list)
    window_s: float = 0.0
    gets: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    """Percent of one core, per process group, over the run."""

    @property
    def rate(self) -> float:
        return len(self.latencies_s) / self.window_s if self.window_s else 0.0

    @property
    def server_us(self) -> float:
        """The cloud process's CPU per request (PostgreSQL's not included), in microseconds."""
        return 1e4 * self.cpu.get("server", 0.0) / self.rate if self.rate else float("nan")

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- the cloud as a child process ------------------------------------------------------------


@dataclass
class Cloud:
    url: str
    admin_token: str
    process: asyncio.subprocess.Process
    data_dir: Path

    def processes(self) -> dict[str, list[psutil.Process]]:
        """The server process and the PostgreSQL processes serving it (for CPU accounting)."""
        server = psutil.Process(self.process.pid)
        postgres = []
        for proc in psutil.process_iter(["cmdline"]):
            if str(self.data_dir) in " ".join(proc.info["cmdline"] or []):
                with contextlib.suppress(psutil.Error):
                    postgres += [proc, *proc.children(recursive=True)]
        unique = {proc.pid: proc for proc in postgres if proc.pid != server.pid}
        return {"server": [server], "postgres": list(unique.values())}


@contextlib.asynccontextmanager
async def running_cloud(log_level: str) -> AsyncIterator[Cloud]:
    data_dir = Path(tempfile.mkdtemp(prefix="jarvis-bench-cloud-"))
    env = {
        **os.environ,
        "JARVIS_DATA_DIR": str(data_dir),
        "JARVIS_CLOUD_PORT": "0",
        "JARVIS_LOG_LEVEL": log_level,
        "JARVIS_LOG_FORMAT": "json",
    }
    jarvis = Path(sys.executable).parent / "jarvis"
    process = await asyncio.create_subprocess_exec(
        str(jarvis), "cloud", env=env, stderr=asyncio.subprocess.PIPE, cwd=ROOT
    )
    assert process.stderr is not None
    drain: asyncio.Task[None] | None = None
    try:
        url = await _wait_listening(process.stderr)
        drain = asyncio.create_task(_drain(process.stderr))
        token = (data_dir / "cloud" / "admin_token").read_text().strip()
        yield Cloud(url, token, process, data_dir)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
        if drain is not None:
            drain.cancel()
        shutil.rmtree(data_dir, ignore_errors=True)


async def _wait_listening(stderr: asyncio.StreamReader) -> str:
    async with asyncio.timeout(60):
        while line := await stderr.readline():
            match = READY.search(line.decode(errors="replace"))
            if match:
                return match.group("url")
    raise RuntimeError("the cloud exited before listening")


async def _drain(stderr: asyncio.StreamReader) -> None:
    """Keep reading the cloud's log so its pipe never fills; show warnings and errors."""
    while line := await stderr.readline():
        text = line.decode(errors="replace")
        if '"level": "error"' in text or '"level":"error"' in text:
            print(f"cloud: {text.rstrip()}", file=sys.stderr)


async def enroll(session: aiohttp.ClientSession, cloud: Cloud, count: int) -> list[Edge]:
    prefix = f"bench {new_id()[:6]}"
    headers = {"Authorization": f"Bearer {cloud.admin_token}"}
    gate = asyncio.Semaphore(8)

    async def one(index: int) -> Edge:
        async with (
            gate,
            session.post(
                f"{cloud.url}/v1/admin/devices",
                json={"name": f"{prefix} {index}"},
                headers=headers,
            ) as response,
        ):
            body = await response.json()
            if response.status != 201:
                raise RuntimeError(f"enroll failed: {body}")
            return Edge(body["device_id"], body["token"])

    return list(await asyncio.gather(*(one(index) for index in range(count))))


# ---- the simulated edges ---------------------------------------------------------------------


def _request(edge: Edge) -> tuple[Utterance, Envelope]:
    utterance = Utterance(
        id=new_id(), text=TEXT, trace_id=new_id(), device_id=edge.device_id, ts=time.time()
    )
    envelope = Envelope(
        type="request", body={"utterance": utterance.to_wire()}, trace_id=utterance.trace_id
    )
    return utterance, envelope


class WebSocketEdge:
    def __init__(self, edge: Edge, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.edge = edge
        self.ws = ws

    @classmethod
    async def connect(cls, session: aiohttp.ClientSession, url: str, edge: Edge) -> WebSocketEdge:
        ws = await session.ws_connect(f"{url}/v1/edge", headers=edge.headers, heartbeat=None)
        device = Device(id=edge.device_id, name=edge.device_id, capabilities=frozenset())
        hello = Envelope(type="hello", body={"device": device.to_wire(), "version": "bench"})
        await ws.send_str(hello.encode())
        linked = cls(edge, ws)
        await linked.receive_until(lambda envelope: envelope["type"] == "welcome")
        return linked

    async def receive_until(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next frame ``wanted`` accepts (plain json: the client must not be what limits
        the figures, and the cloud's frames are checked by the tests, not here)."""
        while True:
            message = await self.ws.receive(timeout=30)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise RuntimeError(f"link closed: {message}")
            envelope: dict[str, Any] = json.loads(message.data)
            if wanted(envelope):
                return envelope
            if envelope["type"] == "reply":
                # A reply left over from an earlier run: ack it so the outbox stays clean.
                await self._ack(envelope)
            elif envelope["type"] == "error":
                raise RuntimeError(f"cloud error: {envelope['body']}")

    async def _ack(self, envelope: dict[str, Any]) -> None:
        await self.ws.send_str(Envelope(type="ack", body={"ids": [envelope["id"]]}).encode())

    async def round_trip(self) -> int:
        utterance, envelope = _request(self.edge)
        await self.ws.send_str(envelope.encode())
        reply = await self.receive_until(
            lambda got: got["type"] == "reply" and got["body"].get("utterance_id") == utterance.id
        )
        await self._ack(reply)
        return 0


class RestEdge:
    def __init__(
        self, session: aiohttp.ClientSession, url: str, edge: Edge, first_s: float, every_s: float
    ) -> None:
        self.session = session
        self.url = url
        self.edge = edge
        self.first_s = first_s
        self.every_s = every_s

    async def round_trip(self) -> int:
        """POST, then poll; returns how many GETs it took."""
        utterance, envelope = _request(self.edge)
        body = {"utterance": utterance.to_wire(), "id": envelope.id}
        async with self.session.post(
            f"{self.url}/v1/requests", json=body, headers=self.edge.headers
        ) as response:
            if response.status != 202:
                raise RuntimeError(f"POST answered {response.status}: {await response.text()}")
            await response.read()
        reply_url = f"{self.url}/v1/requests/{utterance.id}/reply"
        await asyncio.sleep(self.first_s)
        gets = 0
        while True:
            gets += 1
            async with self.session.get(reply_url, headers=self.edge.headers) as response:
                await response.read()
                if response.status == 200:
                    return gets
                if response.status != 204:
                    raise RuntimeError(f"GET answered {response.status}")
            await asyncio.sleep(self.every_s)


RoundTrip = Callable[[], Awaitable[int]]
"""One request and its reply; returns the GETs it took (0 on the WebSocket)."""


async def drive(run: Run, round_trips: list[RoundTrip], seconds: float, pace_s: float) -> None:
    """Every edge in its own loop (paced or closed); the requests completing between the
    warm-up and the end are counted."""
    start = time.perf_counter()
    measure_from = start + WARMUP_S
    end = measure_from + seconds
    failures: list[BaseException] = []

    async def loop(round_trip: RoundTrip) -> None:
        next_at = time.perf_counter() + (random.uniform(0, pace_s) if pace_s else 0.0)
        while True:
            if pace_s:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at = max(next_at + pace_s, time.perf_counter())
            began = time.perf_counter()
            if began >= end:
                return
            try:
                gets = await round_trip()
            except Exception as error:
                failures.append(error)
                return
            done = time.perf_counter()
            if measure_from <= done <= end:
                run.latencies_s.append(done - began)
                run.gets += gets

    async with asyncio.timeout(WARMUP_S + seconds + DRAIN_S):
        await asyncio.gather(*(loop(each) for each in round_trips))
    run.window_s = seconds
    if failures:
        print(f"  {len(failures)} edges failed, first: {failures[0]!r}", file=sys.stderr)


class CpuMeter:
    """CPU seconds used by each process group between start and stop, as percent of one core."""

    def __init__(self, groups: dict[str, list[psutil.Process]]) -> None:
        self.groups = {**groups, "client": [psutil.Process()]}
        self._start = self._read()
        self._wall = time.perf_counter()

    def _read(self) -> dict[str, float]:
        totals = {}
        for name, procs in self.groups.items():
            total = 0.0
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    total += times.user + times.system
            totals[name] = total
        return totals

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._wall
        end = self._read()
        return {name: 100 * (end[name] - self._start[name]) / wall for name in end}


# ---- one run per transport and load ----------------------------------------------------------


@dataclass(frozen=True)
class Transport:
    name: str
    first_s: float | None
    """None for the WebSocket; else the wait between the POST's answer and the first GET."""
    every_s: float = 0.0


async def one_run(
    cloud: Cloud,
    edges: list[Edge],
    transport: Transport,
    load: str,
    seconds: float,
    pace_s: float,
) -> Run:
    run = Run(transport.name, len(edges), load)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        round_trips: list[RoundTrip]
        sockets: list[WebSocketEdge] = []
        if transport.first_s is None:
            gate = asyncio.Semaphore(50)

            async def connect(edge: Edge) -> WebSocketEdge:
                async with gate:
                    return await WebSocketEdge.connect(session, cloud.url, edge)

            sockets = list(await asyncio.gather(*(connect(edge) for edge in edges)))
            round_trips = [linked.round_trip for linked in sockets]
        else:
            round_trips = [
                RestEdge(session, cloud.url, edge, transport.first_s, transport.every_s).round_trip
                for edge in edges
            ]
        meter = CpuMeter(cloud.processes())
        await drive(run, round_trips, seconds, pace_s)
        run.cpu = meter.stop()
        for linked in sockets:
            await linked.ws.close()
    return run


def print_run(run: Run) -> None:
    cpu = "  ".join(f"{name} {value:.0f}%" for name, value in run.cpu.items())
    gets = f"  GETs/request {run.gets / max(1, len(run.latencies_s)):.2f}" if run.gets else ""
    print(
        f"  {run.transport:<18} {run.edges:>4} edges {run.load:<11}"
        f" {len(run.latencies_s):>6} req  {run.rate:>7.0f} req/s"
        f"  p50 {run.percentile_ms(0.50):>8.2f} ms  p99 {run.percentile_ms(0.99):>8.2f} ms"
        f"  cpu: {cpu} (cloud {run.server_us:.0f} µs/req){gets}",
        flush=True,
    )


def table(runs: list[Run]) -> str:
    header = (
        "| transport | edges | load | requests | req/s | p50 ms | p99 ms | cloud CPU µs/req "
        "| WS/REST req/s | REST/WS p50 |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [header]
    ws = {(run.edges, run.load): run for run in runs if run.transport == "websocket"}
    for run in runs:
        base = ws.get((run.edges, run.load))
        ratio_rate = ratio_p50 = "—"
        if base is not None and run.transport.startswith("rest") and run.rate and run.latencies_s:
            ratio_rate = f"{base.rate / run.rate:.1f}×"
            ratio_p50 = f"{run.percentile_ms(0.5) / base.percentile_ms(0.5):.1f}×"
        lines.append(
            f"| {run.transport} | {run.edges} | {run.load} | {len(run.latencies_s)}"
            f" | {run.rate:.0f} | {run.percentile_ms(0.5):.2f} | {run.percentile_ms(0.99):.2f}"
            f" | {run.server_us:.0f} | {ratio_rate} | {ratio_p50} |"
        )
    return "\n".join(lines)


def verdict(runs: list[Run]) -> list[str]:
    """The issue's goals, checked against the WebSocket runs."""
    lines = []
    ws = [run for run in runs if run.transport == "websocket"]
    top = max((run.edges for run in ws), default=0)
    paced = [run for run in ws if run.edges == top and run.load.startswith("paced")]
    closed = [run for run in ws if run.load == "closed"]
    for run in paced:
        p50, p99 = run.percentile_ms(0.5), run.percentile_ms(0.99)
        lines.append(
            f"goal p50 <= 2 ms at {top} edges ({run.load}): {p50:.2f} ms → "
            + ("met" if p50 <= 2 else "NOT met")
        )
        lines.append(
            f"goal p99 <= 10 ms at {top} edges ({run.load}): {p99:.2f} ms → "
            + ("met" if p99 <= 10 else "NOT met")
        )
    if closed:
        best = max(closed, key=lambda run: run.rate)
        lines.append(
            f"goal >= 3,000 req/s on one instance: {best.rate:.0f} req/s"
            f" (websocket, {best.edges} edges, closed loop) → "
            + ("met" if best.rate >= 3000 else "NOT met")
        )
    return lines


async def idle_floor_ms(cloud: Cloud) -> dict[str, float]:
    """What one PostgreSQL round trip and one durable commit cost here when the processes idle
    between them (as they do under the paced load): a floor no cloud code can go below."""
    import asyncpg

    host = cloud.data_dir / "postgres"
    if os.environ.get("DATABASE_URL"):
        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    else:
        conn = await asyncpg.connect(host=str(host), user="postgres", database="postgres")
    statements = {
        "round trip (SELECT 1)": "SELECT 1",
        "durable commit": "SELECT pg_current_xact_id()",
    }
    floors = {}
    try:
        for name, sql in statements.items():
            took = []
            for _ in range(100):
                await asyncio.sleep(0.01)
                began = time.perf_counter()
                await conn.fetchval(sql)
                took.append(time.perf_counter() - began)
            floors[name] = 1000 * sorted(took)[len(took) // 2]
    finally:
        await conn.close()
    return floors


async def planning_cost_us() -> float:
    """What the planner itself spends on the request, so the rest is the transport and storage."""
    from cloud.capabilities.planners import RulePlanner
    from cloud.planning.planner import PlanContext

    planner = RulePlanner()
    utterance = Utterance(id="u", text=TEXT, trace_id="t")
    context = PlanContext(now=datetime.now(UTC), device_names=["a"] * 500)
    rounds = 2000
    began = time.perf_counter()
    for _ in range(rounds):
        await planner.plan(utterance, context)
    return 1e6 * (time.perf_counter() - began) / rounds


async def main(args: argparse.Namespace) -> int:
    counts = [int(part) for part in args.edges.split(",")]
    poll_s = args.poll_ms / 1000
    transports = [
        Transport("websocket", None),
        Transport(f"rest poll {args.poll_ms:g} ms", poll_s, poll_s),
        Transport("rest immediate", 0.0, POLL_TIGHT_S),
    ]
    if args.only:
        transports = [each for each in transports if each.name.startswith(args.only)]
    print(
        f"cloud round trip: {', '.join(map(str, counts))} edges, {args.seconds:g} s per run"
        f" after {WARMUP_S:g} s warm-up; paced = {args.rate:g} req/s in all, spread over the edges;"
        f" cloud log level {args.log_level}; {os.cpu_count()} cores here, load average"
        f" {os.getloadavg()[0]:.2f} at start",
        flush=True,
    )
    planning_us = await planning_cost_us()
    print(
        f"planning '{TEXT}' costs {planning_us:.1f} µs (rule planner): the added latency"
        " (round trip − planning) is the round trip itself at this resolution"
    )
    runs: list[Run] = []
    async with running_cloud(args.log_level) as cloud:
        print(f"cloud at {cloud.url} (data dir {cloud.data_dir})", flush=True)
        floors = await idle_floor_ms(cloud)
        print(
            "PostgreSQL here, one request every 10 ms, p50: "
            + ", ".join(f"{name} {value:.2f} ms" for name, value in floors.items()),
            flush=True,
        )
        async with aiohttp.ClientSession() as session:
            enrolled = await enroll(session, cloud, max(counts))
        for count in counts:
            loads = [("closed", 0.0)]
            if count > 1:
                loads.append((f"paced {args.rate:g}/s", count / args.rate))
            for load, pace_s in loads:
                for transport in transports:
                    run = await one_run(
                        cloud, enrolled[:count], transport, load, args.seconds, pace_s
                    )
                    print_run(run)
                    runs.append(run)
        floor_edges = enrolled[: min(50, len(enrolled))]
    if not args.only or "websocket".startswith(args.only):
        floor = await bare_floor(floor_edges, args.seconds)
        print_run(floor)
        print(
            "  (the floor: a bare aiohttp WebSocket server answering the same frames through the"
            " same envelope codec, no planning, no database)"
        )
        runs.append(floor)
    print()
    print(
        "round trip as the edge sees it (send → reply in hand), loopback, one cloud instance;"
        " closed-loop latency is queueing (edges ÷ req/s), paced latency is the service time"
    )
    print(table(runs))
    print()
    for line in verdict(runs):
        print(line)
    return 0


# ---- the floor: a bare WebSocket server answering the same frames, storing nothing ---------


async def serve_bare() -> None:
    """``--bare-server``: answer hello with welcome and each request with a reply the size of the
    cloud's and an ack, through the same envelope codec, with no planning and no database: what
    the transport alone costs on this machine."""
    from aiohttp import web

    from cloud.capabilities.overview import HELP_TEXT

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=40)
        await ws.prepare(request)
        async for message in ws:
            envelope = Envelope.decode(message.data)
            if envelope.type == "hello":
                await ws.send_str(Envelope(type="welcome", body={}).encode())
            elif envelope.type == "request":
                utterance_id = envelope.body["utterance"]["id"]
                body = {"text": HELP_TEXT, "utterance_id": utterance_id, "kind": "reply"}
                reply = Envelope(type="reply", body=body, trace_id=envelope.trace_id)
                await ws.send_str(reply.encode())
                ack = Envelope(type="ack", body={"ids": [envelope.id]}, trace_id=envelope.trace_id)
                await ws.send_str(ack.encode())
        return ws

    app = web.Application()
    app.router.add_get("/v1/edge", socket)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", file=sys.stderr, flush=True)
    await asyncio.Event().wait()


async def bare_floor(edges: list[Edge], seconds: float) -> Run:
    """The WebSocket closed loop against ``serve_bare`` in a child process."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--bare-server", stderr=asyncio.subprocess.PIPE, cwd=ROOT
    )
    assert process.stderr is not None
    try:
        url = await _wait_listening(process.stderr)
        run = Run("bare aiohttp", len(edges), "closed")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            sockets = [await WebSocketEdge.connect(session, url, edge) for edge in edges]
            meter = CpuMeter({"server": [psutil.Process(process.pid)]})
            await drive(run, [linked.round_trip for linked in sockets], seconds, 0.0)
            run.cpu = meter.stop()
            for linked in sockets:
                await linked.ws.close()
        return run
    finally:
        process.kill()
        await process.wait()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", default="1,50,500", help="comma-separated edge counts")
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per run")
    parser.add_argument("--poll-ms", type=float, default=50.0, help="REST poll interval")
    parser.add_argument(
        "--rate", type=float, default=100.0, help="paced load: requests per second, all edges"
    )
    parser.add_argument("--only", default="", help="run only transports named like this")
    parser.add_argument("--log-level", default="warning", help="the cloud's JARVIS_LOG_LEVEL")
    parser.add_argument("--bare-server", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    # uvloop where installed, as the cloud uses: the simulated edges cost less CPU with it.
    with asyncio.Runner(loop_factory=loop_factory(fast=True)) as runner:
        if arguments.bare_server:
            runner.run(serve_bare())
        sys.exit(runner.run(main(arguments)))

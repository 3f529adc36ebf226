"""Benchmark: what a Python mission waits for: its environment, its dispatch, its failover.

Run ``python bench/missions.py [--rounds N] [--dispatches N] [--failovers N]``.

1. Environment, uv versus venv: each round makes a fresh environment both ways, through the same
   code path the Python runner uses (``VenvTools.create_argv`` under ``run_limited``), in
   alternating order, and counts it ready once its interpreter has answered (``python -I -c
   pass``). The stdlib row includes what ``python -m venv`` always does: installing pip into the
   environment, which is how that environment installs packages later.
2. Dispatch, with real processes: one ``jarvis cloud`` (embedded PostgreSQL) and two worker edges
   (``jarvis edge``), a lease of ``LEASE_S``. Each round submits a 1-step Python mission
   (``POST /v1/admin/missions``) and reads its trace: from the cloud accepting it
   (``mission.created``) to the worker's ``mission.started``, and to the result stored
   (``mission.succeeded``: includes the worker making its environment and running the code).
3. Failover: a 2-step mission whose second step sleeps; once the first step is checkpointed the
   worker running it is SIGKILLed (its link dies with it), and the clock runs until the other
   worker's ``mission.started`` of attempt 2. The killed worker is started again for the next
   round. Every timestamp is from the trace (one machine, one clock).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

if not __package__:
    # Run as `python bench/NAME.py`, bench/ comes first on sys.path, and bench/cloud.py (named
    # after what it measures, as the issue asks) would stand in for the `cloud` package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import psutil

from assistant.missions.process_tree import ProcessLimits, run_limited
from assistant.missions.python_env import VenvTools, find_uv, venv_python
from cloud.missions.lifecycle import MissionConfig

LIMITS = ProcessLimits(time_s=120.0)
LEASE_S = 5.0
JARVIS = str(Path(sys.executable).parent / "jarvis")
READY = re.compile(r"Jarvis (?:cloud|edge) listening on (http://\S+)")
START_TIMEOUT_S = 90.0
MISSION_TIMEOUT_S = 60.0


async def ready_s(tools: VenvTools, parent: Path) -> float:
    """Seconds from nothing to an environment whose interpreter runs code."""
    venv = Path(tempfile.mkdtemp(dir=parent)) / "venv"
    started = time.perf_counter()
    made = await run_limited(tools.create_argv(venv), cwd=parent, limits=LIMITS)
    answered = await run_limited(
        [str(venv_python(venv)), "-I", "-c", "pass"], cwd=parent, limits=LIMITS
    )
    elapsed = time.perf_counter() - started
    if made.exit_code != 0 or answered.exit_code != 0:
        raise SystemExit(f"environment failed: {made.output}{answered.output}")
    return elapsed


async def measure(rounds: int) -> dict[str, list[float]]:
    python = Path(sys.executable)
    uv = find_uv()
    if uv is None:
        raise SystemExit("uv is not on PATH: nothing to compare")
    contenders = {"uv venv": VenvTools(python, uv), "python -m venv": VenvTools(python, None)}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    with tempfile.TemporaryDirectory(prefix="bench-missions-") as scratch:
        for round_index in range(rounds):
            order = list(contenders.items())
            if round_index % 2:
                order.reverse()
            for name, tools in order:
                times[name].append(await ready_s(tools, Path(scratch)))
    return times


def print_table(times: dict[str, list[float]]) -> None:
    print(f"{'environment ready':<18} {'rounds':>6} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, values in times.items():
        print(
            f"{name:<18} {len(values):>6} {statistics.median(values) * 1000:>10.0f} "
            f"{min(values) * 1000:>8.0f} {max(values) * 1000:>8.0f}"
        )
    uv_s = statistics.median(times["uv venv"])
    venv_s = statistics.median(times["python -m venv"])
    print(f"\nuv is {venv_s / uv_s:.1f}x faster (median python -m venv / median uv venv)")


# ---- dispatch and failover, with a cloud and two worker edges as real processes -------------


@dataclass
class Running:
    process: subprocess.Popen[bytes]
    url: str


@dataclass
class Fleet:
    root: Path
    cloud: Running
    admin_token: str
    workers: dict[str, Running]


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("JARVIS_")}
    environ.update(
        JARVIS_DATA_DIR=str(data_dir),
        JARVIS_EDGE_PORT="0",
        JARVIS_CLOUD_PORT="0",
        JARVIS_LOG_FORMAT="json",
        JARVIS_TIMEZONE="UTC",
        JARVIS_VOICE="off",
        DISPLAY="",
        WAYLAND_DISPLAY="",
        **extra,
    )
    return environ


def _start(command: str, data_dir: Path, **extra: str) -> Running:
    """``jarvis COMMAND`` logging to a file beside its data dir, once it listens."""
    log_path = data_dir.parent / f"{command}.log"
    offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [JARVIS, command], env=_environment(data_dir, **extra), stdout=log, stderr=log
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        match = READY.search(log_path.read_bytes()[offset:].decode(errors="replace"))
        if match:
            return Running(process, match.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise SystemExit(f"jarvis {command} did not start:\n{log_path.read_text()[-2000:]}")


def _http(url: str, token: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _wait(predicate: Callable[[], Any], what: str, timeout_s: float = MISSION_TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def _start_worker(fleet: Fleet, name: str) -> None:
    data = fleet.root / name / "data"
    worker = _start("edge", data, JARVIS_CLOUD_URL=fleet.cloud.url, JARVIS_DEVICE_NAME=name)
    fleet.workers[name] = worker

    def connected() -> bool:
        with urllib.request.urlopen(f"{worker.url}/v1/status", timeout=10) as response:
            return bool(json.load(response)["cloud"]["connected"])

    _wait(connected, f"{name} to connect")


def _enroll(fleet: Fleet, name: str) -> None:
    data = fleet.root / name / "data"
    data.mkdir(parents=True)
    enrolled = _http(f"{fleet.cloud.url}/v1/admin/devices", fleet.admin_token, {"name": name})
    subprocess.run(
        [JARVIS, "edge", "set-token", enrolled["token"]],
        env=_environment(data),
        capture_output=True,
        timeout=60,
        check=True,
    )


@contextmanager
def running_fleet() -> Iterator[Fleet]:
    with tempfile.TemporaryDirectory(prefix="bench-missions-fleet-") as scratch:
        root = Path(scratch)
        cloud_dir = root / "cloud" / "data"
        cloud_dir.mkdir(parents=True)
        cloud = _start("cloud", cloud_dir, JARVIS_MISSION_LEASE_S=str(LEASE_S))
        token = (cloud_dir / "cloud" / "admin_token").read_text(encoding="utf-8").strip()
        fleet = Fleet(root, cloud, token, {})
        try:
            for name in ("worker a", "worker b"):
                _enroll(fleet, name)
                _start_worker(fleet, name)
            yield fleet
        finally:
            for running in [*fleet.workers.values(), cloud]:
                if running.process.poll() is None:
                    running.process.terminate()
                with suppress(subprocess.TimeoutExpired):
                    running.process.wait(timeout=30)


def _submit(fleet: Fleet, *codes: str) -> dict[str, Any]:
    steps = [{"action": "run_code", "params": {"code": code}} for code in codes]
    mission: dict[str, Any] = _http(
        f"{fleet.cloud.url}/v1/admin/missions",
        fleet.admin_token,
        {"kind": "python", "steps": steps},
    )
    return mission


def _trace(fleet: Fleet, trace_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = _http(
        f"{fleet.cloud.url}/v1/traces/{trace_id}", fleet.admin_token
    )["events"]
    return events


def _ts(events: list[dict[str, Any]], kind: str, **detail: Any) -> float | None:
    """Seconds since the epoch of the first ``kind`` event whose detail has ``detail``."""
    for event in events:
        if event["kind"] == kind and all(event["detail"].get(k) == v for k, v in detail.items()):
            return datetime.fromisoformat(event["ts"]).timestamp()
    return None


def dispatch_rounds(fleet: Fleet, rounds: int) -> dict[str, list[float]]:
    """Seconds from accepted to the worker's ``mission.started``, and to the result stored."""
    times: dict[str, list[float]] = {"started": [], "result": []}
    for _ in range(rounds):
        trace_id = _submit(fleet, "print('ok')")["trace_id"]

        def finished(trace_id: str = trace_id) -> list[dict[str, Any]] | None:
            events = _trace(fleet, trace_id)
            needed = ("mission.created", "mission.started", "mission.succeeded")
            return events if all(_ts(events, kind) for kind in needed) else None

        events = _wait(finished, "a dispatched mission to finish")
        created = _ts(events, "mission.created") or 0.0
        times["started"].append((_ts(events, "mission.started") or 0.0) - created)
        times["result"].append((_ts(events, "mission.succeeded") or 0.0) - created)
    return times


def failover_rounds(fleet: Fleet, rounds: int) -> list[float]:
    """Seconds from SIGKILL of the worker mid-mission to ``mission.started`` of attempt 2."""
    times = []
    for index in range(rounds):
        gate = fleet.root / f"failover-{index}.pid"
        sleeper = (
            "import os, pathlib, time\n"
            f"gate = pathlib.Path({str(gate)!r})\n"
            "if not gate.exists():\n"
            "    gate.write_text(str(os.getpid()))\n"
            "    time.sleep(600)\n"
            "print('resumed')\n"
        )
        mission = _submit(fleet, "print('first')", sleeper)
        _wait(gate.exists, "the second step to start")
        view = _http(f"{fleet.cloud.url}/v1/missions/{mission['id']}", fleet.admin_token)
        name = view["assigned_to_name"]
        killed_at = time.time()
        fleet.workers[name].process.send_signal(signal.SIGKILL)
        fleet.workers[name].process.wait(timeout=30)
        _kill_orphan(gate)

        def resumed(trace_id: str = mission["trace_id"]) -> float | None:
            return _ts(_trace(fleet, trace_id), "mission.started", attempt=2)

        times.append(_wait(resumed, "the mission to resume elsewhere") - killed_at)
        _start_worker(fleet, name)  # back for the next round
    return times


def _kill_orphan(gate: Path) -> None:
    """The step's code outlives its SIGKILLed worker; end it."""
    pid = int(gate.read_text(encoding="ascii") or 0)
    if pid and psutil.pid_exists(pid):
        psutil.Process(pid).kill()


def print_missions(dispatch: dict[str, list[float]], failover: list[float]) -> None:
    print(f"\n{'mission timing (2 worker edges, real processes)':<58} {'rounds':>6}", end="")
    print(f" {'p50 ms':>8} {'max ms':>8}")
    rows = [
        ("dispatch: accepted -> worker's mission.started", dispatch["started"]),
        ("end to end: accepted -> result stored (1-step python)", dispatch["result"]),
        (f"failover, lease {LEASE_S:g} s: SIGKILL -> started on the other", failover),
    ]
    for label, values in rows:
        print(
            f"{label:<58} {len(values):>6} {statistics.median(values) * 1000:>8.0f}"
            f" {max(values) * 1000:>8.0f}"
        )
    median_s = statistics.median(failover)
    check_s = MissionConfig(lease_s=LEASE_S).check_every_s
    print(
        f"\nfailover is dominated by the lease: {LEASE_S:g} s of the median {median_s:.1f} s"
        f" ({LEASE_S / median_s:.0%}) is waiting for it to lapse;\nthe rest is the"
        f" supervisor's sweep (every {check_s:.1f} s) and dispatch"
        f" ({statistics.median(dispatch['started']) * 1000:.0f} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="environments made each way")
    parser.add_argument("--dispatches", type=int, default=5, help="1-step missions timed")
    parser.add_argument("--failovers", type=int, default=2, help="workers killed mid-mission")
    args = parser.parse_args()
    started = time.perf_counter()
    times = asyncio.run(measure(args.rounds))
    print_table(times)
    with running_fleet() as fleet:
        dispatch = dispatch_rounds(fleet, args.dispatches)
        failover = failover_rounds(fleet, args.failovers)
    print_missions(dispatch, failover)
    print(f"python {sys.version.split()[0]}; bench took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

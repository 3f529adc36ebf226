"""Failover with real processes: a 4-step Python mission loses its worker after step 2.

The mission comes from ``POST /v1/admin/missions`` on behalf of an asking edge that is not a
worker. Steps (0-based index, as the cloud counts them):

0. ``run_code``: append the worker's pid to ``step-1``
1. ``run_code``: append the worker's pid to ``step-2``
2. ``run_code``: on its first run, note its own pid in ``step-3.sleeping`` and sleep (the test
   SIGKILLs the worker here, with steps 0 and 1 checkpointed); then append to ``step-3``
3. ``run_code``: append to ``step-4``

Each marker line is the pid of the process that ran the code's parent: the worker edge. The
laptop sits next to the asker, so it gets the mission first; the desktop is 340 km away.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from edges import JARVIS, EdgeProcess, start_edge
from processes import (
    CLOUD_READY,
    CloudProcess,
    EventRecorder,
    TcpProxy,
    cloud_environment,
    enroll,
    free_port,
    wait_for,
)

pytestmark = pytest.mark.slow

HOME = "48.8566,2.3522"
NEXT_DOOR = "48.8600,2.3600"
FAR_AWAY = "51.5074,-0.1278"
LEASE_S = 3
TIMEOUT_S = 90.0


@dataclass
class Fleet:
    cloud: CloudProcess
    admin_token: str
    asker: EdgeProcess
    asker_id: str
    laptop: EdgeProcess
    desktop: EdgeProcess
    laptop_network: TcpProxy
    """What lies between the laptop and the cloud: a partition is made here."""


def start_cloud_with(data_dir: Path, **env: str) -> CloudProcess:
    """``start_cloud`` with extra environment (a short mission lease)."""
    log_path = data_dir.parent / "cloud.log"
    environ = {**cloud_environment(data_dir, free_port(), None), **env}
    with log_path.open("ab") as log:
        process = subprocess.Popen([JARVIS, "cloud"], env=environ, stdout=log, stderr=log)

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the cloud exited early:\n{log_path.read_text()}")
        return CLOUD_READY.search(log_path.read_text(errors="replace")) is not None

    wait_for(ready, 90, "the cloud to start")
    match = CLOUD_READY.search(log_path.read_text(errors="replace"))
    assert match is not None
    return CloudProcess(process, match.group(1), log_path)


def cloud_call(fleet: Fleet, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        f"{fleet.cloud.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {fleet.admin_token}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{method} {path}: {error.code} {error.read()!r}") from None


def _edge(root: Path, name: str, cloud_url: str, **env: str) -> tuple[EdgeProcess, str]:
    data = root / name / "data"
    data.mkdir(parents=True)
    device_id = enroll(root / "cloud" / "data", data, name)
    edge = start_edge(data, f"{name}.log", cloud_url=cloud_url, device_name=name, extra_env=env)
    return edge, device_id


def _connected(edge: EdgeProcess) -> bool:
    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        return bool(json.load(response)["cloud"]["connected"])


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    cloud_dir = tmp_path / "cloud" / "data"
    cloud_dir.mkdir(parents=True)
    cloud = start_cloud_with(cloud_dir, JARVIS_MISSION_LEASE_S=str(LEASE_S))
    laptop_network = TcpProxy(backends=[int(cloud.url.rsplit(":", 1)[1])])
    edges: list[EdgeProcess] = []
    try:
        asker, asker_id = _edge(
            tmp_path, "phone", cloud.url, JARVIS_WORKER="false", JARVIS_LOCATION=HOME
        )
        edges.append(asker)
        laptop, _ = _edge(tmp_path, "laptop", laptop_network.url, JARVIS_LOCATION=NEXT_DOOR)
        edges.append(laptop)
        desktop, _ = _edge(tmp_path, "desktop", cloud.url, JARVIS_LOCATION=FAR_AWAY)
        edges.append(desktop)
        for edge in edges:
            wait_for(lambda edge=edge: _connected(edge), 60, "the edges to connect")
        token = (cloud_dir / "cloud" / "admin_token").read_text(encoding="utf-8").strip()
        yield Fleet(cloud, token, asker, asker_id, laptop, desktop, laptop_network)
    finally:
        for edge in edges:
            if edge.process.poll() is None:
                edge.stop()
        cloud.stop()
        laptop_network.close()


def step_code(markers: Path, number: int, *, sleep_first: bool = False) -> str:
    gate = (
        f"gate = markers / 'step-{number}.sleeping'\n"
        "if not gate.exists():\n"
        "    gate.write_text(str(os.getpid()))\n"
        "    time.sleep(600)\n"
        if sleep_first
        else ""
    )
    return (
        "import os, pathlib, time\n"
        f"markers = pathlib.Path({str(markers)!r})\n"
        f"{gate}"
        f"with (markers / 'step-{number}').open('a') as marker:\n"
        "    marker.write(f'{os.getppid()}\\n')\n"
        f"print('step {number} done')\n"
    )


def _pids(markers: Path, number: int) -> list[int]:
    path = markers / f"step-{number}"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _log_steps(edge: EdgeProcess, event: str, mission_id: str) -> list[int]:
    found = []
    for line in edge.log().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == event and record.get("mission_id") == mission_id:
                found.append(record["step"])
    return found


def test_a_worker_killed_after_step_2_of_4_leaves_steps_3_and_4_to_another(
    fleet: Fleet, tmp_path: Path
) -> None:
    """SIGKILL after two checkpointed steps: the other worker runs steps 3 and 4 only, the
    mission succeeds on attempt 2 and the asker hears the result once."""
    markers = tmp_path / "markers"
    replies = EventRecorder(fleet.asker.url)
    gate = markers / "step-3.sleeping"
    try:
        mission_id = _until_step_3(fleet, markers)
        path = f"/v1/missions/{mission_id}"
        killed_at = time.monotonic()
        os.kill(fleet.laptop.process.pid, signal.SIGKILL)
        fleet.laptop.process.wait(timeout=30)
        wait_for(
            lambda: cloud_call(fleet, "GET", path)["state"] in ("succeeded", "failed"),
            TIMEOUT_S,
            "the mission to finish on the desktop",
        )
        resumed_s = time.monotonic() - killed_at
        wait_for(lambda: _news(replies), 10, "the result on the asker")
        time.sleep(1.0)  # a duplicate would come right behind
    finally:
        _kill_orphan(gate)
        replies.close()
    mission = cloud_call(fleet, "GET", path)
    assert mission["state"] == "succeeded", mission
    assert mission["attempt"] == 2
    assert mission["assigned_to_name"] == "desktop"
    kinds = [event["kind"] for event in mission["events"]]
    assert kinds.index("lease_lapsed") < kinds.index("reassigned") < kinds.index("succeeded")
    laptop, desktop = fleet.laptop.process.pid, fleet.desktop.process.pid
    assert [_pids(markers, n) for n in (1, 2, 3, 4)] == [[laptop], [laptop], [desktop], [desktop]]
    assert _log_steps(fleet.desktop, "mission.step_started", mission_id) == [2, 3]
    assert _log_steps(fleet.desktop, "mission.step_skipped", mission_id) == [0, 1]
    results = _news(replies)
    # Steps 1 and 2 printed on the dead laptop, kept with their checkpoints; 3 and 4 here.
    heard = ["step 1 done step 2 done step 3 done step 4 done"]
    assert [reply["text"] for reply in results] == heard, results
    assert resumed_s < LEASE_S + 30
    trace = cloud_call(fleet, "GET", f"/v1/traces/{mission['trace_id']}")["events"]
    started = [e for e in trace if e["kind"] == "mission.started"]
    assert [(e["device_name"], e["detail"]["attempt"]) for e in started] == [
        ("laptop", 1),
        ("desktop", 2),
    ]
    assert started[1]["detail"]["done_steps"] == [0, 1]


def test_a_worker_cut_off_mid_mission_stops_its_attempt_when_the_network_heals(
    fleet: Fleet, tmp_path: Path
) -> None:
    """A partition, not a crash: the laptop goes unheard during step 3, loses the mission to
    the desktop, and its step 3 keeps running meanwhile. Once the network heals, the cloud's
    ``mission_cancel`` stops it there: the code is killed and the laptop reports nothing, so
    steps 3 and 4 are the desktop's alone."""
    markers = tmp_path / "markers"
    gate = markers / "step-3.sleeping"
    try:
        mission_id = _until_step_3(fleet, markers)
        path = f"/v1/missions/{mission_id}"
        sleeping = psutil.Process(int(gate.read_text(encoding="ascii")))
        fleet.laptop_network.blackhole = True
        wait_for(
            lambda: cloud_call(fleet, "GET", path)["state"] in ("succeeded", "failed"),
            TIMEOUT_S,
            "the mission to finish on the desktop",
        )
        assert sleeping.is_running(), "the partitioned laptop's step 3 is still running"
        fleet.laptop_network.heal()
        wait_for(lambda: not _alive(sleeping), TIMEOUT_S, "the laptop to stop its attempt")
    finally:
        _kill_orphan(gate)
    mission = cloud_call(fleet, "GET", path)
    assert (mission["state"], mission["attempt"]) == ("succeeded", 2), mission
    laptop, desktop = fleet.laptop.process.pid, fleet.desktop.process.pid
    assert [_pids(markers, n) for n in (1, 2, 3, 4)] == [[laptop], [laptop], [desktop], [desktop]]
    cancelled = [
        json.loads(line)
        for line in fleet.laptop.log().splitlines()
        if line.startswith("{") and '"mission.cancelled"' in line
    ]
    assert [(c["mission_id"], c["attempt"], c["reason"]) for c in cancelled] == [
        (mission_id, 1, "lease lapsed")
    ]
    assert fleet.laptop.process.poll() is None, "the laptop itself keeps running"


def _until_step_3(fleet: Fleet, markers: Path) -> str:
    """Submit the four-step mission of the module docstring (the laptop gets it first) and
    wait until steps 1 and 2 are checkpointed and step 3 sleeps; the mission's id."""
    markers.mkdir()
    steps = [
        {"action": "run_code", "params": {"code": step_code(markers, 1)}},
        {"action": "run_code", "params": {"code": step_code(markers, 2)}},
        {"action": "run_code", "params": {"code": step_code(markers, 3, sleep_first=True)}},
        {"action": "run_code", "params": {"code": step_code(markers, 4)}},
    ]
    body = {"kind": "python", "steps": steps, "requested_by": fleet.asker_id}
    created = cloud_call(fleet, "POST", "/v1/admin/missions", body)
    assert created["assigned_to_name"] == "laptop", created
    path, gate = f"/v1/missions/{created['id']}", markers / "step-3.sleeping"

    def in_step_3() -> bool:
        stored = {cp["step_index"] for cp in cloud_call(fleet, "GET", path)["checkpoints"]}
        return stored == {0, 1} and gate.exists()

    wait_for(in_step_3, TIMEOUT_S, "steps 1 and 2 checkpointed, step 3 running")
    return str(created["id"])


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _news(replies: EventRecorder) -> list[dict[str, Any]]:
    """Replies tied to no utterance: how an admin mission's result reaches its asker."""
    return [e for e in replies.events if e["utterance_id"] is None and e["kind"] == "reply"]


def _kill_orphan(gate: Path) -> None:
    """The first run of step 3 outlived its SIGKILLed worker; end it."""
    if not gate.exists():
        return
    pid = int(gate.read_text(encoding="ascii") or 0)
    if pid and psutil.pid_exists(pid):
        psutil.Process(pid).kill()

"""Missions end to end: a cloud, an asking edge and two worker edges, all real processes.

The asker is not a worker (``JARVIS_WORKER=false``); the "laptop" sits next to it and the
"desktop" 300 km away, so routing picks the laptop first and the desktop when the laptop dies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest
from edges import JARVIS, EdgeProcess, start_edge
from processes import (
    CloudProcess,
    EventRecorder,
    cloud_environment,
    enroll,
    free_port,
    get_utterance,
    post,
    start_cloud,
    wait_for,
)

pytestmark = pytest.mark.slow

HOME = "48.8566,2.3522"
NEXT_DOOR = "48.8600,2.3600"
FAR_AWAY = "51.5074,-0.1278"
"""London, about 340 km from Paris: scores far worse than any load."""
PAGE_TITLE = "Jarvis test page"
MISSION_TIMEOUT_S = 120.0


@dataclass
class Stack:
    cloud: CloudProcess
    cloud_dir: Path
    asker: EdgeProcess
    laptop: EdgeProcess
    desktop: EdgeProcess
    replies: EventRecorder


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"<html><head><title>{PAGE_TITLE}</title></head><body>hi</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/page"
    server.shutdown()
    server.server_close()


def _edge(root: Path, name: str, cloud: CloudProcess, cloud_dir: Path, **env: str) -> EdgeProcess:
    data = root / name / "data"
    data.mkdir(parents=True)
    enroll(cloud_dir, data, name)
    return start_edge(data, f"{name}.log", cloud_url=cloud.url, device_name=name, extra_env=env)


def _connected(edge: EdgeProcess) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        return bool(json.load(response)["cloud"]["connected"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("missions")
    cloud_dir = root / "cloud" / "data"
    cloud_dir.mkdir(parents=True)
    cloud = start_cloud(cloud_dir, free_port())
    edges: list[EdgeProcess] = []
    try:
        asker = _edge(root, "phone", cloud, cloud_dir, JARVIS_WORKER="false", JARVIS_LOCATION=HOME)
        edges.append(asker)
        laptop = _edge(root, "laptop", cloud, cloud_dir, JARVIS_LOCATION=NEXT_DOOR)
        edges.append(laptop)
        desktop = _edge(root, "desktop", cloud, cloud_dir, JARVIS_LOCATION=FAR_AWAY)
        edges.append(desktop)
        for edge in edges:
            wait_for(lambda edge=edge: _connected(edge), 60, "the edges to connect")
        recorder = EventRecorder(asker.url)
        yield Stack(cloud, cloud_dir, asker, laptop, desktop, recorder)
        recorder.close()
    finally:
        for edge in edges:
            if edge.process.poll() is None:
                edge.stop()
        cloud.stop()


def _ask(stack: Stack, text: str) -> str:
    status, body = post(stack.asker.url, text)
    assert status == 202, body
    wait_for(
        lambda: get_utterance(stack.asker.url, body["id"])["status"] != "pending",
        MISSION_TIMEOUT_S,
        f"the answer to {text!r}",
    )
    return str(body["id"])


def _add_script(stack: Stack, name: str, path: Path) -> None:
    """``jarvis cloud script add NAME PATH``: "run my NAME script" runs it."""
    subprocess.run(
        [JARVIS, "cloud", "script", "add", name, str(path)],
        env=cloud_environment(stack.cloud_dir, 0, None),
        capture_output=True,
        timeout=120,
        check=True,
    )


def _log_events(edge: EdgeProcess, event: str) -> list[dict[str, Any]]:
    found = []
    for line in edge.log().splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("event") == event:
            found.append(record)
    return found


def test_a_browser_mission_reads_a_title_and_the_asker_hears_it(
    stack: Stack, page_url: str
) -> None:
    """The nearest worker opens the page in chromium; the title is the asker's reply."""
    utterance_id = _ask(stack, f"open {page_url} and read me the title")
    answer = get_utterance(stack.asker.url, utterance_id)
    assert answer["status"] == "done", answer
    assert PAGE_TITLE in answer["reply"]
    wait_for(lambda: stack.replies.for_utterance(utterance_id), 10, "the reply event")
    assert len(stack.replies.for_utterance(utterance_id)) == 1
    assert _log_events(stack.laptop, "mission.accepted")
    assert not _log_events(stack.desktop, "mission.accepted")


def _trace(stack: Stack, trace_id: str) -> list[dict[str, Any]]:
    import urllib.request

    token = (stack.cloud_dir / "cloud" / "admin_token").read_text(encoding="utf-8").strip()
    request = urllib.request.Request(
        f"{stack.cloud.url}/v1/traces/{trace_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        events: list[dict[str, Any]] = json.load(response)["events"]
    return events


TRACED = {
    ("cloud", "received.request"),
    ("cloud", "planned.StartMission"),
    ("cloud", "mission.created"),
    ("cloud", "mission.assigned"),
    ("cloud", "enqueued.mission"),
    ("edge", "mission.started"),
    ("edge", "mission.step_done"),
    ("cloud", "mission.checkpoint"),
    ("edge", "mission.finished"),
    ("cloud", "mission.succeeded"),
    ("cloud", "enqueued.reply"),
}
"""What one spoken browser mission leaves under its utterance's trace id, by source."""


def test_one_trace_id_runs_from_the_utterance_through_the_worker_to_the_reply(
    stack: Stack, page_url: str
) -> None:
    """``GET /v1/traces/{id}`` of the utterance's trace merges the cloud's planning, the
    mission's life and the worker's own events by time; ``jarvis trace ID`` tabulates them."""
    utterance_id = _ask(stack, f"read me the title of {page_url}")
    trace_id = get_utterance(stack.asker.url, utterance_id)["trace_id"]

    def worker_finished() -> bool:
        return any(e["kind"] == "mission.finished" for e in _trace(stack, trace_id))

    wait_for(worker_finished, 30, "the worker's events to reach the cloud")
    events = _trace(stack, trace_id)
    missing = TRACED - {(event["source"], event["kind"]) for event in events}
    assert not missing, (missing, events)
    times = [datetime.fromisoformat(event["ts"]) for event in events]
    assert times == sorted(times)
    edge = [event for event in events if event["source"] == "edge"]
    assert {event["device_name"] for event in edge} == {"laptop"}
    mission_ids = {e["detail"]["mission_id"] for e in events if e["kind"].startswith("mission.")}
    assert len(mission_ids) == 1
    shown = subprocess.run(
        [JARVIS, "trace", trace_id],
        env=cloud_environment(stack.cloud_dir, 0, None),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for _, kind in TRACED:
        assert kind in shown.stdout, shown.stdout
    assert "+ms" in shown.stdout


def test_output_too_big_for_a_frame_is_cut_and_the_mission_still_finishes(
    stack: Stack, tmp_path: Path
) -> None:
    """30,000 control characters, each six bytes as a JSON escape, plus NUL bytes: the
    checkpoint and the result would not fit a frame, so the worker cuts their middle (the cloud
    would refuse them, and the mission would never end), and the asker hears the result."""
    script = tmp_path / "loud.py"
    script.write_text(
        "import sys\n"
        "print('Loud start.')\n"
        "sys.stdout.write('\\x01' * 30_000 + '\\x00' * 10 + '\\n')\n"
        "print('Loud end.')\n",
        encoding="utf-8",
    )
    _add_script(stack, "loud", script)
    utterance_id = _ask(stack, "run my loud script")
    answer = get_utterance(stack.asker.url, utterance_id)
    assert answer["status"] == "done", answer
    assert answer["reply"].startswith("Loud start."), answer
    cut = {e["type"] for e in _log_events(stack.laptop, "edge_link.cut_to_fit")}
    assert cut == {"checkpoint", "mission_result"}


def test_a_killed_worker_s_mission_resumes_elsewhere_from_its_checkpoint(
    stack: Stack, tmp_path: Path
) -> None:
    """SIGKILL mid-code: the far worker runs only the unfinished step; one reply reaches the asker.

    Runs last: it kills the laptop."""
    marker = tmp_path / "first-run.pid"
    code = (
        "import os, pathlib, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.write_text(str(os.getpid()))\n"
        "    time.sleep(600)\n"
        "print('resumed and finished')\n"
    )
    script = tmp_path / "slow.py"
    script.write_text(code, encoding="utf-8")
    _add_script(stack, "slow", script)
    status, body = post(stack.asker.url, "run my slow script")
    assert status == 202, body
    try:
        wait_for(marker.exists, MISSION_TIMEOUT_S, "the laptop to start the code")
        os.kill(stack.laptop.process.pid, signal.SIGKILL)
        stack.laptop.process.wait(timeout=30)
        wait_for(
            lambda: get_utterance(stack.asker.url, body["id"])["status"] != "pending",
            MISSION_TIMEOUT_S,
            "the resumed mission's answer",
        )
    finally:
        _kill_orphan(marker)
    answer = get_utterance(stack.asker.url, body["id"])
    assert answer["status"] == "done", answer
    assert "resumed and finished" in answer["reply"]
    wait_for(lambda: stack.replies.for_utterance(body["id"]), 10, "the reply event")
    assert len(stack.replies.for_utterance(body["id"])) == 1
    laptop_steps = [e["step"] for e in _log_events(stack.laptop, "mission.step_started")]
    desktop_steps = [e["step"] for e in _log_events(stack.desktop, "mission.step_started")]
    assert laptop_steps[-2:] == [0, 1]
    assert desktop_steps == [1]  # create_venv was checkpointed: never run again


def _kill_orphan(marker: Path) -> None:
    """The first run's code outlived its SIGKILLed worker; end it."""
    if not marker.exists():
        return
    pid = int(marker.read_text(encoding="ascii") or 0)
    if pid and psutil.pid_exists(pid):
        psutil.Process(pid).kill()

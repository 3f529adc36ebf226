"""The edge worker with the real Python runner: checkpoints, results, duplicates, shutdown."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import psutil
import pytest

from assistant.app import MissionFacilities, capabilities, find_facilities
from assistant.missions.privacy import CommandScreenCapturer
from assistant.missions.python_env import VenvTools, find_uv
from assistant.missions.python_runner import PythonRunner, PythonRunnerConfig
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FakeLink
from assistant.worker import Worker
from jarvis.logs import configure_logging
from jarvis.settings import load_settings
from models import Envelope, Mission, MissionKind, Step
from models.device_intents import intent_capabilities

pytestmark = pytest.mark.slow


@pytest.fixture
def work_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
async def link_and_worker(work_root: Path) -> AsyncIterator[tuple[FakeLink, Worker]]:
    tools = VenvTools(Path(sys.executable), find_uv(), offline=True)
    runner = PythonRunner(PythonRunnerConfig(tools=tools, work_root=work_root))
    link = FakeLink()
    worker = Worker({MissionKind.PYTHON: runner}, link, clock=lambda: 1000.0)
    yield link, worker
    await worker.close()


def python_mission(*sources: str, mission_id: str = "m-1") -> Mission:
    steps = [Step(0, "create_venv")]
    steps += [Step(i + 1, "run_code", {"code": source}) for i, source in enumerate(sources)]
    return Mission(
        id=mission_id,
        kind=MissionKind.PYTHON,
        steps=tuple(steps),
        idempotency_key=f"key-{mission_id}",
        trace_id="trace-1",
    )


def leftovers(work_root: Path) -> list[Path]:
    return list(work_root.iterdir())


def read_started(work_root: Path) -> int | None:
    """The pid the mission's code wrote to ``started`` in its working directory, once there."""
    found = list(work_root.glob("*/work/started"))
    text = found[0].read_text(encoding="ascii") if found else ""
    return int(text) if text else None


async def started_pid(work_root: Path, timeout_s: float = 60.0) -> int:
    """Polls for the mission's pid file; the timeout only guards against a hang."""
    async with asyncio.timeout(timeout_s):
        while True:
            pid = read_started(work_root)
            if pid is not None:
                return pid
            await asyncio.sleep(0.05)


def assignment(mission: Mission, done_steps: tuple[int, ...] = (), attempt: int = 1) -> Envelope:
    body = {"mission": mission.to_wire(), "done_steps": list(done_steps), "attempt": attempt}
    return Envelope("mission", body, trace_id=mission.trace_id)


async def test_a_three_step_mission_reports_three_checkpoints_then_its_result(
    link_and_worker: tuple[FakeLink, Worker],
) -> None:
    """Each step's checkpoint goes out in order, then one mission_result, all on the trace."""
    link, worker = link_and_worker
    assert await worker.accept(assignment(python_mission("print('a')", "print('b')")))
    (result,) = await link.wait_for("mission_result")
    checkpoints = link.of_type("checkpoint")
    assert [c.body["step_index"] for c in checkpoints] == [0, 1, 2]
    assert [c.body["name"] for c in checkpoints] == [
        "venv_created",
        "code_executed",
        "code_executed",
    ]
    assert result.body["ok"] is True, result.body
    assert result.body["output"].split() == ["a", "b"]
    assert result.body["mission_id"] == "m-1"
    assert result.body["attempt"] == 1
    assert {envelope.trace_id for envelope in link.sent} == {"trace-1"}
    events = [e.body["kind"] for e in link.of_type("trace_event")]
    assert events == ["mission.started", *["mission.step_done"] * 3, "mission.finished"]
    # Every report precedes the result: the cloud never sees a result before its checkpoints.
    assert link.sent.index(result) > max(link.sent.index(c) for c in checkpoints)


async def test_done_steps_are_not_run_again(link_and_worker: tuple[FakeLink, Worker]) -> None:
    """A resumed mission runs only the steps after the checkpointed ones."""
    link, worker = link_and_worker
    mission = python_mission("print('first')", "print('second')", "print('third')")
    await worker.accept(assignment(mission, done_steps=(0, 1, 2), attempt=2))
    (result,) = await link.wait_for("mission_result")
    assert [c.body["step_index"] for c in link.of_type("checkpoint")] == [3]
    assert result.body["ok"] is True, result.body
    assert result.body["output"].split() == ["third"]


async def test_a_redelivered_mission_runs_once(link_and_worker: tuple[FakeLink, Worker]) -> None:
    """The same (mission id, attempt) again, while running or after, starts nothing."""
    link, worker = link_and_worker
    envelope = assignment(python_mission("print('once')"))
    assert await worker.accept(envelope)
    assert not await worker.accept(envelope)
    assert not await worker.accept(assignment(python_mission("print('once')")))
    await link.wait_for("mission_result")
    assert not await worker.accept(envelope)
    await asyncio.sleep(0.2)  # a second run, had one started, would have reported by now
    assert len(link.of_type("mission_result")) == 1
    assert len(link.of_type("checkpoint")) == 2


async def test_a_kind_without_a_runner_fails_with_a_reason(
    link_and_worker: tuple[FakeLink, Worker],
) -> None:
    """A browser mission on a worker without a browser ends at once with ok=false."""
    link, worker = link_and_worker
    mission = Mission("m-2", MissionKind.BROWSER, (Step(0, "read_title"),), "k", "trace-2")
    await worker.accept(assignment(mission))
    (result,) = await link.wait_for("mission_result")
    assert result.body["ok"] is False
    assert "cannot run browser missions" in result.body["error"]


async def test_close_cancels_a_running_mission_and_kills_its_processes(
    link_and_worker: tuple[FakeLink, Worker], work_root: Path
) -> None:
    """Closing the worker stops the mission's process tree and reports no result."""
    link, worker = link_and_worker
    code = (
        "import os, pathlib, time\n"
        "pathlib.Path('started').write_text(str(os.getpid()))\n"
        "time.sleep(120)\n"
    )
    await worker.accept(assignment(python_mission(code)))
    await link.wait_for("checkpoint")  # the environment exists; the code starts next
    pid = await started_pid(work_root)
    await worker.close()
    assert worker.running() == {}
    assert link.of_type("mission_result") == []
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert leftovers(work_root) == []


async def test_every_log_line_of_a_mission_carries_its_ids(
    link_and_worker: tuple[FakeLink, Worker],
) -> None:
    """The worker's and the runner's lines carry the mission id and the mission's trace id."""
    link, worker = link_and_worker
    stream = io.StringIO()
    configure_logging("info", "json", stream)
    await worker.accept(assignment(python_mission("print('x')", mission_id="m-logs")))
    await link.wait_for("mission_result")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mission_lines = [line for line in lines if str(line["event"]).startswith("mission.")]
    assert len(mission_lines) >= 4
    assert {(line["mission_id"], line["trace_id"]) for line in mission_lines} == {
        ("m-logs", "trace-1")
    }


async def test_a_newer_attempt_replaces_the_running_one(
    link_and_worker: tuple[FakeLink, Worker], work_root: Path, tmp_path: Path
) -> None:
    """Attempt 2 of a running mission cancels attempt 1 and runs; attempt 1 again is ignored."""
    link, worker = link_and_worker
    marker = tmp_path / "first"
    code = (
        "import pathlib, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "pathlib.Path('started').write_text(str(__import__('os').getpid()))\n"
        "if not marker.exists():\n"
        "    marker.write_text('x')\n"
        "    time.sleep(120)\n"
        "print('second attempt')\n"
    )
    mission = python_mission(code)
    await worker.accept(assignment(mission, attempt=1))
    first_pid = await started_pid(work_root)
    assert await worker.accept(assignment(mission, done_steps=(0,), attempt=2))
    assert worker.running() == {"m-1": 2}
    assert not await worker.accept(assignment(mission, attempt=1))
    (result,) = await link.wait_for("mission_result")
    assert result.body["attempt"] == 2
    assert result.body["output"].split() == ["second", "attempt"]
    assert not psutil.pid_exists(first_pid) or (
        psutil.Process(first_pid).status() == psutil.STATUS_ZOMBIE
    )


def cancellation(mission_id: str, attempt: int) -> Envelope:
    body = {"mission_id": mission_id, "attempt": attempt, "reason": "lease lapsed"}
    return Envelope("mission_cancel", body)


async def test_a_cancel_stops_its_attempt_and_a_late_copy_never_starts(
    link_and_worker: tuple[FakeLink, Worker], work_root: Path
) -> None:
    """``mission_cancel`` for the running attempt (the cloud moved the mission while this
    worker was away) kills its code, deletes its environment and reports nothing; that
    attempt delivered again later is not run. A cancel for an older attempt than the one
    running, or for a mission not running here, changes nothing."""
    link, worker = link_and_worker
    code = "import os, pathlib, time\npathlib.Path('started').write_text(str(os.getpid()))\n"
    mission = python_mission(code + "time.sleep(120)\n")
    assert await worker.accept(assignment(mission, attempt=2))
    pid = await started_pid(work_root)
    assert not await worker.cancel(cancellation("m-1", 1))
    assert not await worker.cancel(cancellation("m-other", 1))
    assert worker.running() == {"m-1": 2}
    assert await worker.cancel(cancellation("m-1", 2))
    assert worker.running() == {}
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert leftovers(work_root) == []
    assert not await worker.accept(assignment(mission, attempt=2))
    assert link.of_type("mission_result") == []
    # A later attempt (given back to this worker) runs as usual.
    assert await worker.accept(assignment(python_mission(code), done_steps=(0,), attempt=3))
    (result,) = await link.wait_for("mission_result")
    assert (result.body["attempt"], result.body["ok"]) == (3, True)


def test_capabilities_follow_what_the_device_has(tmp_path: Path) -> None:
    """python, browser, microphone, files and screen are offered only when present."""
    bare = PlatformAdapters(None, None, None)
    # The intents it runs are offered too: the cloud's second chance sends only those back.
    assert capabilities(bare) == {"local_intents", "timers", "notes"} | intent_capabilities(
        Skills.HANDLED
    )
    facilities = MissionFacilities(
        uv=Path("/usr/bin/uv"),
        chromium=Path("/usr/bin/chromium"),
        microphone=True,
        screen=CommandScreenCapturer(("grim",)),
        allowed_dirs=(tmp_path,),
    )
    offered = capabilities(bare, facilities)
    assert {"python", "browser", "microphone", "files", "screen"} <= offered
    assert "camera" not in offered
    assert "python" in capabilities(bare, MissionFacilities(venv=True))


async def test_facilities_are_found_from_the_settings(tmp_path: Path) -> None:
    """A missing chromium means no browser; a device that is not a worker offers nothing."""
    base = {"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_CHROMIUM": str(tmp_path / "nope")}
    found = await find_facilities(load_settings(base))
    assert found.chromium is None
    assert found.uv is not None or found.venv
    idle = await find_facilities(load_settings({**base, "JARVIS_WORKER": "false"}))
    assert idle == MissionFacilities()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
async def test_no_browser_is_offered_without_playwright_to_drive_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """playwright is imported only at a browser mission's first step, so the edge starts without
    it; then a chromium on disk must not be offered as a browser it could not drive."""
    settings = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_CHROMIUM": str(CHROMIUM)})
    assert (await find_facilities(settings)).chromium == CHROMIUM
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "playwright" else find_spec(name, *args),
    )
    assert (await find_facilities(settings)).chromium is None

"""Python missions against real interpreters: uv and venv environments, real limits, real kills."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest

from assistant.missions.process_tree import kill_recorded_group, record_group
from assistant.missions.python_env import VenvTools, find_uv, parse_packages
from assistant.missions.python_runner import PythonRunner, PythonRunnerConfig
from models import Envelope
from models.missions import Checkpoint, Mission, MissionKind, Step

MIB = 1024 * 1024


class CheckpointLog:
    """Stands in for the worker's link to the cloud: keeps every checkpoint it is given."""

    def __init__(self) -> None:
        self.checkpoints: list[Checkpoint] = []

    async def __call__(self, checkpoint: Checkpoint) -> None:
        self.checkpoints.append(checkpoint)

    @property
    def names(self) -> list[str]:
        return [checkpoint.name for checkpoint in self.checkpoints]


def build_wheel(directory: Path, name: str = "tinypkg", version: str = "0.1.0") -> Path:
    """A minimal pure-Python wheel, written by hand (no build backend, no network)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": b"GREETING = 'hello from tinypkg'\n",
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        ),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: jarvis-tests\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


@pytest.fixture(scope="session")
def wheel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("wheels")
    build_wheel(directory)
    return directory


@pytest.fixture
def work_root(tmp_path: Path) -> Path:
    return tmp_path / "runs"


@pytest.fixture
def make_runner(wheel_dir: Path, work_root: Path) -> Callable[..., PythonRunner]:
    def make(*, use_uv: bool = True, **overrides: Any) -> PythonRunner:
        uv = find_uv() if use_uv else None
        tools = VenvTools(Path(sys.executable), uv, find_links=wheel_dir, offline=True)
        return PythonRunner(PythonRunnerConfig(tools=tools, work_root=work_root, **overrides))

    return make


def mission(*steps: tuple[str, dict[str, str | int | float]], mission_id: str = "m-1") -> Mission:
    return Mission(
        id=mission_id,
        kind=MissionKind.PYTHON,
        steps=tuple(Step(index, action, params) for index, (action, params) in enumerate(steps)),
        idempotency_key=f"key-{mission_id}",
        trace_id="trace-1",
    )


def code(source: str, **params: str | int | float) -> tuple[str, dict[str, str | int | float]]:
    return ("run_code", {"code": source, **params})


def assert_no_environment_left(work_root: Path) -> None:
    assert list(work_root.iterdir()) == []


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Polls ``predicate``; the timeout only guards against a hang."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


def read_started_pid(work_root: Path) -> str:
    (started,) = work_root.glob("*/work/started")
    return started.read_text(encoding="ascii")


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.slow
async def test_offline_install_then_code_checkpoints_each_step(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """create_venv, install_deps from a local wheel dir and run_code each report a checkpoint."""
    log = CheckpointLog()
    result = await make_runner().run(
        mission(
            ("create_venv", {}),
            ("install_deps", {"packages": "tinypkg"}),
            code("import tinypkg\nprint(tinypkg.GREETING)"),
        ),
        done_steps=frozenset(),
        on_checkpoint=log,
    )
    assert result.ok, result.error
    assert result.output == "hello from tinypkg\n"
    assert log.names == ["venv_created", "deps_installed", "code_executed"]
    assert [c.step_index for c in log.checkpoints] == [0, 1, 2]
    assert log.checkpoints[1].data["packages"] == "tinypkg"
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_stdlib_venv_and_pip_when_uv_is_missing(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """Without uv the environment comes from python -m venv and the wheel from its own pip."""
    log = CheckpointLog()
    result = await make_runner(use_uv=False).run(
        mission(
            ("create_venv", {}),
            ("install_deps", {"packages": "tinypkg==0.1.0"}),
            code("import tinypkg, sys\nprint(tinypkg.GREETING, sys.prefix != sys.base_prefix)"),
        ),
        done_steps=frozenset(),
        on_checkpoint=log,
    )
    assert result.ok, result.error
    assert result.output == "hello from tinypkg True\n"
    assert log.checkpoints[0].data["tool"] == "venv"
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_memory_limit_kills_with_the_memory_reason(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """300 MB resident against a 200 MiB limit is killed, and the error says it was memory."""
    log = CheckpointLog()
    source = "import time\nprint('allocating')\nblock = b'x' * (300 << 20)\ntime.sleep(30)"
    result = await make_runner(memory_limit_bytes=200 * MIB).run(
        mission(code(source, timeout_s=60)), done_steps=frozenset(), on_checkpoint=log
    )
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("memory limit exceeded: ")
    assert result.error.endswith(" MiB resident > 200.0 MiB")
    assert result.output == "allocating\n"
    assert log.checkpoints == []
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_memory_of_child_processes_counts_towards_the_limit(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """A small parent whose child holds 300 MB is killed: the limit covers the whole tree."""
    source = (
        "import subprocess, sys\n"
        "child = 'import time; block = b\"x\" * (300 << 20); time.sleep(30)'\n"
        "subprocess.run([sys.executable, '-c', child])\n"
    )
    result = await make_runner(memory_limit_bytes=200 * MIB).run(
        mission(code(source, timeout_s=60)), done_steps=frozenset(), on_checkpoint=CheckpointLog()
    )
    assert result.error is not None
    assert result.error.startswith("memory limit exceeded: ")
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_time_limit_kills_the_tree_with_the_time_reason(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """time.sleep(30) under a 1 s limit is killed, its child too, and the error says time."""
    source = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid)\n"
        "time.sleep(30)\n"
    )
    result = await make_runner().run(
        mission(code(source, timeout_s=1)), done_steps=frozenset(), on_checkpoint=CheckpointLog()
    )
    assert not result.ok
    assert result.error == "time limit exceeded: 1 s"
    child_pid = int(result.output.split()[0])
    await wait_until(lambda: is_gone(child_pid), timeout_s=10)
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_a_child_left_running_after_the_code_exits_is_killed(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """A background process the code started and abandoned does not outlive the mission."""
    source = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],\n"
        "                         stdout=subprocess.DEVNULL)\n"
        "print(child.pid)\n"
    )
    result = await make_runner().run(
        mission(code(source)), done_steps=frozenset(), on_checkpoint=CheckpointLog()
    )
    assert result.ok, result.error
    child_pid = int(result.output.split()[0])
    await wait_until(lambda: is_gone(child_pid), timeout_s=10)
    assert_no_environment_left(work_root)


async def test_output_is_capped_with_a_marker(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """200 KB of output under a 4 KiB cap keeps its start and end around a truncation marker."""
    source = "print('START')\nfor i in range(20_000):\n    print('x' * 9)\nprint('END')"
    result = await make_runner(output_bytes=4096).run(
        mission(code(source)), done_steps=frozenset(), on_checkpoint=CheckpointLog()
    )
    assert result.ok, result.error
    assert result.output.startswith("START\n")
    assert result.output.endswith("END\n")
    assert "[… output truncated: " in result.output
    assert len(result.output.encode()) < 4096 + 100
    assert_no_environment_left(work_root)


async def test_output_that_is_not_text_becomes_replacement_characters(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """NUL bytes and bytes that are not UTF-8 become U+FFFD: the report stays storable (the
    cloud refuses NUL, which PostgreSQL text cannot hold) and the rest of the output is kept."""
    source = "import sys\nsys.stdout.buffer.write(b'a\\x00b\\xffc\\n')"
    log = CheckpointLog()
    result = await make_runner().run(
        mission(code(source)), done_steps=frozenset(), on_checkpoint=log
    )
    assert result.ok, result.error
    assert result.output == "a\ufffdb\ufffdc\n"
    assert log.checkpoints[-1].data["output"] == result.output
    Envelope.decode(Envelope("mission_result", result.to_wire()).encode())
    assert_no_environment_left(work_root)


async def test_failing_code_reports_its_exit_status_and_traceback(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """Code that raises ends the mission with its exit status and the traceback as output."""
    log = CheckpointLog()
    result = await make_runner().run(
        mission(code("raise ValueError('no such thing')"), code("print('never')")),
        done_steps=frozenset(),
        on_checkpoint=log,
    )
    assert not result.ok
    assert result.error == "the code failed (exit status 1)"
    assert "ValueError: no such thing" in result.output
    assert log.checkpoints == []
    assert_no_environment_left(work_root)


async def test_environment_is_deleted_when_the_checkpoint_raises(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """An exception escaping the run (the cloud link failing) still removes the environment."""

    async def broken_link(_checkpoint: Checkpoint) -> None:
        raise ConnectionError("cloud gone")

    with pytest.raises(ConnectionError):
        await make_runner().run(
            mission(code("print(1)")), done_steps=frozenset(), on_checkpoint=broken_link
        )
    assert_no_environment_left(work_root)


async def test_cancellation_kills_the_code_and_deletes_the_environment(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """Cancelling a running mission kills its process and removes its directory."""
    source = (
        "import os, time\n"
        "open('pid', 'w').write(str(os.getpid()))\n"
        "os.rename('pid', 'started')\n"
        "time.sleep(60)\n"
    )
    task = asyncio.create_task(
        make_runner().run(
            mission(code(source)), done_steps=frozenset(), on_checkpoint=CheckpointLog()
        )
    )
    await wait_until(lambda: any(work_root.glob("*/work/started")))
    pid = int(await asyncio.to_thread(read_started_pid, work_root))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_no_environment_left(work_root)
    assert is_gone(pid)


async def test_resume_never_runs_code_again(
    make_runner: Callable[..., PythonRunner], work_root: Path, tmp_path: Path
) -> None:
    """Steps checkpointed by a dead worker, run_code included, are not run again."""
    marker = tmp_path / "ran"
    log = CheckpointLog()
    result = await make_runner().run(
        mission(
            ("create_venv", {}),
            ("install_deps", {"packages": "tinypkg"}),
            code(f"open({str(marker)!r}, 'w').close()"),
        ),
        done_steps=frozenset({0, 1, 2}),
        on_checkpoint=log,
    )
    assert result.ok
    assert result.output == ""
    assert log.checkpoints == []
    assert not marker.exists()
    assert_no_environment_left(work_root)


@pytest.mark.slow
async def test_resume_rebuilds_the_environment_without_reporting_it_again(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """Done venv and deps steps are replayed silently when a later step needs them."""
    log = CheckpointLog()
    result = await make_runner().run(
        mission(
            ("create_venv", {}),
            ("install_deps", {"packages": "tinypkg"}),
            code("import tinypkg\nprint(tinypkg.GREETING)"),
        ),
        done_steps=frozenset({0, 1}),
        on_checkpoint=log,
    )
    assert result.ok, result.error
    assert result.output == "hello from tinypkg\n"
    assert log.names == ["code_executed"]
    assert log.checkpoints[0].data == {"exit_code": 0, "output": "hello from tinypkg\n"}
    assert_no_environment_left(work_root)


async def test_the_code_does_not_see_the_workers_environment(
    make_runner: Callable[..., PythonRunner], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variables of the worker (tokens, keys) are not passed to mission code."""
    monkeypatch.setenv("JARVIS_TEST_SECRET", "hunter2")
    result = await make_runner().run(
        mission(code("import os\nprint(os.environ.get('JARVIS_TEST_SECRET'))")),
        done_steps=frozenset(),
        on_checkpoint=CheckpointLog(),
    )
    assert result.output == "None\n"


async def test_a_package_missing_from_the_wheel_dir_fails_the_install(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """An offline install of a package that is not there fails, with the installer's words."""
    log = CheckpointLog()
    result = await make_runner().run(
        mission(("create_venv", {}), ("install_deps", {"packages": "no-such-package"})),
        done_steps=frozenset(),
        on_checkpoint=log,
    )
    assert result.error == "installing no-such-package failed (exit status 1)"
    assert "no-such-package" in result.output
    assert log.names == ["venv_created"]
    assert_no_environment_left(work_root)


async def test_a_missing_environment_tool_fails_the_step(work_root: Path) -> None:
    """A configured uv that is not there ends the mission with an error naming it."""
    tools = VenvTools(Path(sys.executable), Path("/nonexistent/uv"))
    runner = PythonRunner(PythonRunnerConfig(tools=tools, work_root=work_root))
    result = await runner.run(
        mission(code("pass")), done_steps=frozenset(), on_checkpoint=CheckpointLog()
    )
    assert result.error == (
        "creating the environment: cannot run /nonexistent/uv: No such file or directory"
    )
    assert_no_environment_left(work_root)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        pytest.param([code("#" * (64 * 1024 + 1))], "code is 64.0 KiB", id="code-over-64KiB"),
        pytest.param([code("pass")] * 51, "steps; at most 50 are allowed", id="more-than-50-steps"),
        pytest.param(
            [("install_deps", {"packages": "a " * 9000})], "at most 16.0 KiB", id="params-16KiB"
        ),
        pytest.param([("rm_rf", {})], "unknown action 'rm_rf'", id="unknown-action"),
        pytest.param(
            [("install_deps", {"packages": "--index-url=http://evil tinypkg"})],
            "is not a package requirement",
            id="installer-option",
        ),
        pytest.param([code("pass", timeout_s=301)], "at most 300", id="timeout-above-limit"),
        pytest.param([("run_code", {})], "needs the parameter code", id="missing-code"),
    ],
)
async def test_oversized_or_malformed_missions_fail_before_any_step(
    make_runner: Callable[..., PythonRunner],
    work_root: Path,
    tmp_path: Path,
    steps: list[tuple[str, dict[str, str | int | float]]],
    message: str,
) -> None:
    """A cap or a malformed step fails the whole mission up front, with a clear error."""
    marker = tmp_path / "ran"
    first = code(f"open({str(marker)!r}, 'w').close()")
    log = CheckpointLog()
    result = await make_runner().run(
        mission(first, *steps), done_steps=frozenset(), on_checkpoint=log
    )
    assert not result.ok
    assert result.error is not None
    assert message in result.error
    assert not marker.exists()
    assert log.checkpoints == []
    assert_no_environment_left(work_root)


def test_package_lists_split_on_commas_and_spaces() -> None:
    """Requirements are separated by commas or spaces, extras keeping their own commas."""
    assert parse_packages("a, b[x,y]>=1.0  c==2,d") == ["a", "b[x,y]>=1.0", "c==2", "d"]


async def test_environments_left_by_a_killed_worker_are_removed_at_start(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """A run directory that outlived its (killed) process is deleted before the next runs."""
    leftover = work_root / "m-dead-abc123"
    (leftover / "venv" / "bin").mkdir(parents=True)
    (leftover / "venv" / "bin" / "python").write_text("")
    runner = make_runner()
    assert await runner.remove_leftovers() == 1
    assert_no_environment_left(work_root)
    assert await runner.remove_leftovers() == 0


def test_code_left_running_by_a_killed_worker_is_ended_at_start(
    make_runner: Callable[..., PythonRunner], work_root: Path
) -> None:
    """A mission program whose worker died is found through its run directory and killed."""
    run_dir = work_root / "m-dead-def456"
    run_dir.mkdir(parents=True)
    orphan = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True
    )
    try:
        record_group(run_dir / "running.pid", orphan.pid)
        assert asyncio.run(make_runner().remove_leftovers()) == 1
        assert orphan.wait(timeout=30) == -signal.SIGKILL
    finally:
        orphan.kill()
    assert_no_environment_left(work_root)


def test_a_reused_pid_is_never_signalled(work_root: Path) -> None:
    """A recorded pid whose start time differs (reused by another program) is left alone."""
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        pid_file = work_root / "running.pid"
        work_root.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(f"{bystander.pid} 12345.0\n")
        assert not kill_recorded_group(pid_file)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait(timeout=30)

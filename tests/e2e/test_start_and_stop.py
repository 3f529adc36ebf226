"""Starting and stopping Jarvis as real processes: damaged data, a busy data dir or port, kill -9.

Each failure to start is one line naming what to do, with exit status 1, and leaves no process
behind (the test's timeout catches a process that hangs instead of exiting).
"""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import urllib.request
from pathlib import Path

import pytest
from edges import JARVIS, edge_environment, start_edge
from ups import our_postgres, run_up, start_up, wait_until_no_postgres

pytestmark = pytest.mark.slow


def _one_error_line(stderr: str) -> str:
    """The single ``Error:`` line a failed start prints; no traceback around it."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _initialised(data_dir: Path) -> None:
    """A data dir `jarvis up` has run in once and left cleanly."""
    assert start_up(data_dir).stop() == 0


def test_a_damaged_edge_database_is_one_line_and_no_hang(data_dir: Path) -> None:
    """Garbage over the start of edge.sqlite3: `jarvis up` names the file and exits 1."""
    _initialised(data_dir)
    database = data_dir / "edge.sqlite3"
    with database.open("r+b") as file:
        file.write(b"this is not a database at all, not even close")

    result = run_up(data_dir)

    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    assert str(database) in line
    assert "move it aside" in line.lower()
    assert "backup" in line
    assert wait_until_no_postgres(data_dir) == []


def test_a_damaged_cloud_database_is_one_line(data_dir: Path) -> None:
    """PostgreSQL data without global/pg_control: `jarvis up` says so in one line, exits 1."""
    _initialised(data_dir)
    (data_dir / "postgres" / "global" / "pg_control").unlink()

    result = run_up(data_dir)

    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    assert "global/pg_control is missing" in line
    assert str(data_dir / "postgres") in line
    assert our_postgres(data_dir) == []


def test_a_second_up_on_the_same_data_dir_is_refused(data_dir: Path) -> None:
    """While one `jarvis up` runs, a second on its data dir names it and exits 1."""
    first = start_up(data_dir)
    try:
        second = run_up(data_dir)
        with urllib.request.urlopen(f"{first.url}/v1/status", timeout=10) as response:
            status = json.load(response)
    finally:
        assert first.stop() == 0
    assert second.returncode == 1
    line = _one_error_line(second.stderr)
    assert f"Jarvis is already running on {data_dir} (pid {first.process.pid})" in line
    assert status["cloud"]["connected"] is True


def test_a_busy_port_is_one_line_naming_its_setting(data_dir: Path) -> None:
    """An edge port another program holds: one line naming JARVIS_EDGE_PORT, exit 1."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        environ = edge_environment(data_dir)
        environ["JARVIS_EDGE_PORT"] = str(port)
        result = subprocess.run(
            [JARVIS, "edge"], env=environ, capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 1
    line = _one_error_line(result.stderr)
    assert f"127.0.0.1:{port}" in line
    assert "JARVIS_EDGE_PORT" in line


def test_no_postgres_outlives_kill_9_restart_and_clean_stop(data_dir: Path) -> None:
    """Two `kill -9`s, then a start and a clean stop: no PostgreSQL of this data dir remains."""
    start_up(data_dir, "up-1.log").kill()
    assert our_postgres(data_dir), "a killed Jarvis leaves its server running: the premise"
    start_up(data_dir, "up-2.log").kill()

    assert start_up(data_dir, "up-3.log").stop() == 0

    assert wait_until_no_postgres(data_dir) == []
    handles = json.loads((data_dir / "postgres" / ".handle_pids.json").read_text())
    assert handles == []


def test_the_data_dir_is_private(data_dir: Path) -> None:
    """The edge keeps its data dir 0700 and its database and ids 0600."""
    data_dir.chmod(0o755)
    edge = start_edge(data_dir)
    assert edge.stop() == 0
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("edge.sqlite3", "device_id"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name


def test_a_deleted_part_of_the_data_dir_is_reported(data_dir: Path) -> None:
    """device_id and edge.sqlite3 deleted between runs: the next start names both losses."""
    assert start_edge(data_dir).stop() == 0
    (data_dir / "device_id").unlink()
    (data_dir / "edge.sqlite3").unlink()

    edge = start_edge(data_dir, "edge-again.log")
    assert edge.stop() == 0

    warnings = [line for line in edge.log().splitlines() if line.startswith("Warning:")]
    assert any("device_id" in line and "new device id" in line for line in warnings), warnings
    assert any("edge.sqlite3" in line and "history" in line for line in warnings), warnings


def test_history_without_a_data_dir_creates_nothing(tmp_path: Path) -> None:
    """`jarvis history` on a data dir that does not exist says so and leaves no trace."""
    missing = tmp_path / "nowhere"
    result = subprocess.run(
        [JARVIS, "history"],
        env=edge_environment(missing),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "No history" in _one_error_line(result.stderr)
    assert not missing.exists()


def test_an_exposed_edge_is_refused_before_anything_starts(data_dir: Path) -> None:
    """JARVIS_EDGE_HOST=0.0.0.0 without a token: one line, and PostgreSQL never started."""
    result = run_up(data_dir, JARVIS_EDGE_HOST="0.0.0.0")
    assert result.returncode == 1
    assert "JARVIS_EDGE_TOKEN" in _one_error_line(result.stderr)
    assert not (data_dir / "postgres").exists()


def test_an_empty_admin_token_is_one_line(data_dir: Path) -> None:
    """An emptied cloud/admin_token: `jarvis up` names the file and exits 1."""
    (data_dir / "cloud").mkdir(mode=0o700)
    (data_dir / "cloud" / "admin_token").write_text("")
    result = run_up(data_dir)
    assert result.returncode == 1
    assert str(data_dir / "cloud" / "admin_token") in _one_error_line(result.stderr)
    assert wait_until_no_postgres(data_dir) == []


def test_a_one_shot_cloud_command_prints_no_logs(data_dir: Path) -> None:
    """`jarvis cloud script list` starts the embedded PostgreSQL quietly: nothing on stderr."""
    environ = edge_environment(data_dir)
    environ.pop("XDG_RUNTIME_DIR", None)
    environ.pop("JARVIS_LOG_FORMAT")
    result = subprocess.run(
        [JARVIS, "cloud", "script", "list"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""

"""`jarvis up` as a real process, and the embedded PostgreSQL servers it leaves (or not)."""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from edges import JARVIS, READY, edge_environment

START_TIMEOUT_S = 120.0


@dataclass
class UpProcess:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """``kill -9``: no ``finally`` runs, nothing is released."""
        self.process.kill()
        self.process.wait(timeout=30)


def up_environment(data_dir: Path) -> dict[str, str]:
    environ = edge_environment(data_dir)
    environ.update(JARVIS_CLOUD_PORT="0", JARVIS_LOG_FORMAT="console")
    return environ


def start_up(data_dir: Path, log_name: str = "up.log") -> UpProcess:
    log_path = data_dir.parent / log_name
    offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [JARVIS, "up"], env=up_environment(data_dir), stdout=log, stderr=log
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        text = log_path.read_bytes()[offset:].decode("utf-8", errors="replace")
        match = READY.search(text)
        if match:
            return UpProcess(process, match.group(1), log_path)
        if process.poll() is not None:
            raise AssertionError(f"jarvis up exited early:\n{text}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"jarvis up did not start:\n{log_path.read_text()}")


def run_up(
    data_dir: Path, timeout_s: float = 90.0, **extra: str
) -> subprocess.CompletedProcess[str]:
    """`jarvis up` expected to stop by itself; a hang fails the test with TimeoutExpired."""
    environ = up_environment(data_dir)
    environ.update(extra)
    return subprocess.run(
        [JARVIS, "up"], env=environ, capture_output=True, text=True, timeout=timeout_s, check=False
    )


def our_postgres(data_dir: Path) -> list[psutil.Process]:
    """The postmasters serving ``data_dir``'s embedded PostgreSQL."""
    pgdata = str((data_dir / "postgres").resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and "-D" in cmdline and pgdata in cmdline:
            found.append(process)
    return found


def wait_until_no_postgres(data_dir: Path, timeout_s: float = 30.0) -> list[psutil.Process]:
    """Give a stopping server its time; returns those still there after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while (left := our_postgres(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left

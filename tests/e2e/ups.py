"""`jarvis up` as a real process, and the embedded PostgreSQL servers it leaves (or not)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psutil
from edges import JARVIS, READY, edge_environment
from jarvis_process import JarvisProcess, start_jarvis

START_TIMEOUT_S = 120.0
UpProcess = JarvisProcess


def up_environment(data_dir: Path) -> dict[str, str]:
    environ = edge_environment(data_dir)
    environ.update(JARVIS_CLOUD_PORT="0", JARVIS_LOG_FORMAT="console")
    return environ


def start_up(data_dir: Path, log_name: str = "up.log") -> UpProcess:
    return start_jarvis(
        ["up"],
        up_environment(data_dir),
        data_dir.parent / log_name,
        ready=READY,
        timeout_s=START_TIMEOUT_S,
        what="jarvis up",
    )


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

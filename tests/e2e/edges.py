"""Edges as real processes: `jarvis edge` started, waited for, and stopped with a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

JARVIS = str(Path(sys.executable).parent / "jarvis")
READY = re.compile(r"Jarvis edge listening on (https?://\S+)")
START_TIMEOUT_S = 60.0


@dataclass
class EdgeProcess:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def edge_environment(data_dir: Path) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("JARVIS_")}
    environ.update(
        JARVIS_DATA_DIR=str(data_dir),
        JARVIS_EDGE_PORT="0",
        JARVIS_LOG_FORMAT="json",
        JARVIS_TIMEZONE="UTC",
        # Text only unless a test asks for voice: a developer's microphone stays out of it.
        JARVIS_VOICE="off",
        # No display or sound server here: keep any the developer has out of the way.
        DISPLAY="",
        WAYLAND_DISPLAY="",
    )
    return environ


def start_edge(
    data_dir: Path,
    log_name: str = "edge.log",
    *,
    cloud_url: str | None = None,
    device_name: str | None = None,
    voice: bool = False,
    speak_to: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> EdgeProcess:
    log_path = data_dir.parent / log_name
    environ = edge_environment(data_dir)
    environ.update(extra_env or {})
    if cloud_url:
        environ["JARVIS_CLOUD_URL"] = cloud_url
    if device_name:
        environ["JARVIS_DEVICE_NAME"] = device_name
    if voice:
        environ["JARVIS_VOICE"] = "auto"
    if speak_to:
        environ["JARVIS_SPEAK_TO"] = str(speak_to)
    # A restart may append to the same log: look only at what this start writes.
    offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        process = subprocess.Popen([JARVIS, "edge"], env=environ, stdout=log, stderr=log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        match = READY.search(log_path.read_bytes()[offset:].decode("utf-8", errors="replace"))
        if match:
            return EdgeProcess(process, match.group(1), log_path)
        if process.poll() is not None:
            raise AssertionError(f"the edge exited early:\n{log_path.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the edge did not start:\n{log_path.read_text()}")

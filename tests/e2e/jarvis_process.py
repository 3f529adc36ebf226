"""A `jarvis` command as a real process (the edge, the cloud, `jarvis up`): started, waited for
until its log says where it listens, and stopped with a signal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

JARVIS = str(Path(sys.executable).parent / "jarvis")


@dataclass
class JarvisProcess:
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

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_jarvis(
    command: list[str],
    environ: Mapping[str, str],
    log_path: Path,
    *,
    ready: re.Pattern[str],
    timeout_s: float,
    what: str,
) -> JarvisProcess:
    """`jarvis COMMAND`, its output appended to ``log_path``; returns once what this start
    wrote matches ``ready`` (whose first group is the URL). ``what`` names it in a failure."""
    # A restart may append to the same log: look only at what this start writes.
    offset = log_path.stat().st_size if log_path.exists() else 0
    with log_path.open("ab") as log:
        process = subprocess.Popen([JARVIS, *command], env=environ, stdout=log, stderr=log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log_path.read_bytes()[offset:].decode("utf-8", errors="replace")
        match = ready.search(text)
        if match:
            return JarvisProcess(process, match.group(1), log_path)
        if process.poll() is not None:
            raise AssertionError(f"{what} exited early:\n{text}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"{what} did not start:\n{log_path.read_text()}")

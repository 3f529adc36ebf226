"""Keeping the embedded PostgreSQL (pgserver) honest: no server outliving Jarvis, damaged data
said in one line, no noise.

pgserver counts the processes using a server in ``PGDATA/.handle_pids.json`` and stops the
server when the last one leaves. A process killed with ``kill -9`` never leaves, so its pid
stayed there and every later clean exit left PostgreSQL running. Pids of processes that no
longer exist are dropped before each start, under pgserver's own lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from cloud.errors import DatabaseError

HANDLES_FILE = ".handle_pids.json"
CONTROL_FILE = Path("global") / "pg_control"


def import_get_server() -> Callable[..., Any]:
    """pgserver's ``get_server``, imported without platformdirs' RuntimeDirWarning (printed on
    machines without XDG_RUNTIME_DIR, where pgserver's lock file goes to /tmp instead)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from pgserver.postgres_server import get_server

    return get_server


def check_not_damaged(pgdata: Path) -> None:
    """``DatabaseError`` saying what to do when ``pgdata`` holds a cluster with parts missing."""
    if not pgdata.is_dir():
        return
    if (pgdata / "PG_VERSION").exists():
        missing = [part for part in (CONTROL_FILE, Path("base")) if not (pgdata / part).exists()]
    else:
        # No PG_VERSION but data inside: initdb would refuse; it is not a cluster we can use.
        missing = [Path("PG_VERSION")] if any(_visible(pgdata)) else []
    if missing:
        raise DatabaseError(
            f"The cloud's PostgreSQL data in {pgdata} is damaged ({missing[0]} is missing). "
            f"Move it aside (mv {pgdata} {pgdata}.damaged) to start with an "
            "empty cloud database (devices enrolled anew, reminders lost), or restore it from "
            "a backup."
        )


def _visible(folder: Path) -> list[Path]:
    return [entry for entry in folder.iterdir() if not entry.name.startswith(".")]


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop the pids of processes that no longer run from pgserver's handle file; returns them."""
    path = pgdata / HANDLES_FILE
    if not path.exists():
        return []
    from pgserver.postgres_server import PostgresServer

    with PostgresServer._lock:
        try:
            pids = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pids = None
        if not isinstance(pids, list):
            path.write_text("[]", encoding="utf-8")
            return []
        dead = [pid for pid in pids if not _alive(pid)]
        if dead:
            path.write_text(json.dumps([pid for pid in pids if pid not in dead]), encoding="utf-8")
    return dead


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def failure_message(pgdata: Path, error: Exception) -> str:
    """One line: why PostgreSQL did not start (its own FATAL line when it wrote one), the log."""
    reason = _last_fatal(pgdata / "log") or _short(error)
    return (
        f"The embedded PostgreSQL in {pgdata} did not start: {reason}. Its log is {pgdata}/log; "
        f"if its data is damaged, move {pgdata} aside or restore it from a backup."
    )


def _short(error: Exception) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        command = error.cmd[0] if isinstance(error.cmd, list | tuple) else error.cmd
        return f"{Path(str(command)).name} failed with exit status {error.returncode}"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _last_fatal(log_path: Path) -> str | None:
    with contextlib.suppress(OSError):
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in reversed(lines):
            for marker in ("PANIC:", "FATAL:"):
                if marker in line:
                    return line.split(marker, 1)[1].strip()
    return None


def tighten_data_dir(data_dir: Path) -> None:
    """Run as root, pgserver opens the data dir to everyone so its ``pgserver`` user can reach
    PGDATA; that user needs only to pass through it, so others lose the right to list it."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(data_dir.stat().st_mode)
        if mode & 0o066:
            data_dir.chmod(0o711)

"""The data dir a running Jarvis owns: one process at a time, private to its user, and told when
part of it has gone missing since the last run.

``owning(data_dir, warn)`` wraps the whole life of `jarvis up` and `jarvis edge`:

- an exclusive lock (``filelock``: fcntl on Unix, msvcrt on Windows) so a second process on the
  same data dir stops with "Jarvis is already running on DIR (pid N)" instead of re-enrolling
  the device and taking its token;
- the dir made 0700 and what is directly in it 0600, and a umask of 077 for the rest of the run,
  so nothing Jarvis writes (history, notes, tokens) is readable by other users;
- a list of the parts kept last time (``parts.json``): a part deleted since is named, with what
  its loss means, instead of Jarvis silently starting fresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import filelock

LOCK_FILE = ".lock"
PID_FILE = "jarvis.pid"
PARTS_FILE = "parts.json"

PARTS: dict[str, str] = {
    "edge.sqlite3": "the edge's history, notes, lists, timers and unsent requests are gone",
    "device_id": "this edge has a new device id",
    "device_token": "this edge's cloud token is gone (enroll it again)",
    "postgres": (
        "the cloud's database is gone: enrolled devices, reminders and missions are lost, "
        "and this device is enrolled anew"
    ),
    "cloud/admin_token": "the cloud's admin token is gone (a new one is made)",
}
"""What a data dir holds that matters, and what losing it means for a person."""


class DataDirBusyError(Exception):
    """Another Jarvis process holds this data dir."""


@contextlib.contextmanager
def owning(data_dir: Path, warn: Callable[[str], None]) -> Iterator[None]:
    """Hold ``data_dir`` for this process while inside; ``warn`` hears about lost parts."""
    make_private(data_dir)
    lock = filelock.FileLock(data_dir / LOCK_FILE, mode=0o600)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise DataDirBusyError(
            f"Jarvis is already running on {data_dir} (pid {_holder(data_dir)}); "
            "stop it first, or give this one its own JARVIS_DATA_DIR."
        ) from None
    pid_path = data_dir / PID_FILE
    try:
        pid_path.write_text(f"{os.getpid()}\n", encoding="utf-8")
        for line in lost_parts(data_dir):
            warn(line)
        yield
    finally:
        with contextlib.suppress(OSError):
            record_parts(data_dir)
            pid_path.unlink()
        lock.release()


def make_private(data_dir: Path) -> None:
    """Create ``data_dir`` (0700), make the files directly in it 0600, and set umask 077."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _tighten(data_dir, 0o700)
    for entry in data_dir.iterdir():
        if entry.is_file() and not entry.is_symlink():
            _tighten(entry, 0o600)


def _tighten(path: Path, mode: int) -> None:
    """Take group and other permissions away from a path we own (others' files are left)."""
    if not hasattr(os, "getuid"):  # Windows: no such modes; the user's profile is private
        return
    with contextlib.suppress(OSError):
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(info.st_mode) & mode)


def lost_parts(data_dir: Path) -> list[str]:
    """One line per part recorded last time that is missing now."""
    try:
        recorded = json.loads((data_dir / PARTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(recorded, list):
        return []
    return [
        f"{data_dir / part} was deleted since the last run: {PARTS[part]}."
        for part in recorded
        if part in PARTS and not (data_dir / part).exists()
    ]


def record_parts(data_dir: Path) -> None:
    """Remember which parts exist now, for the next start to compare against."""
    present = [part for part in PARTS if (data_dir / part).exists()]
    partial = data_dir / f"{PARTS_FILE}.partial"
    partial.write_text(json.dumps(present), encoding="utf-8")
    os.replace(partial, data_dir / PARTS_FILE)


def _holder(data_dir: Path) -> str:
    try:
        return (data_dir / PID_FILE).read_text(encoding="utf-8").strip() or "unknown"
    except OSError:
        return "unknown"

"""Run one program under a time limit and a memory limit that cover its whole process tree.

The program starts in a session of its own (``start_new_session``), so at the end one signal to
its process group reaches what it left behind, even children whose parent already died. Memory is
the sum of the resident sets of the program and all its descendants, sampled with psutil every
``sample_interval_s`` on a worker thread (walking ``/proc`` must not block the event loop). Shared
pages count once per process, so the sum errs on the side of killing early. A descendant that
calls ``setsid`` and re-parents itself to init escapes both the sum and the group signal; the
runners accept that (the code is the user's own, the limits protect the device from accidents).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import structlog

from assistant.missions._steps import GIB, KIB, format_bytes

log = structlog.get_logger(__name__)

_DRAIN_AFTER_KILL_S = 2.0
"""How long the output pipe may stay open once the tree is dead (an escaped process holds it)."""


@dataclass(frozen=True, slots=True)
class ProcessLimits:
    time_s: float = 300.0
    """Wall-clock seconds before the tree is killed."""
    memory_bytes: int = GIB
    """Resident bytes of the whole tree before it is killed."""
    output_bytes: int = 64 * KIB
    """stdout and stderr kept, together; the middle of longer output is cut with a marker."""
    sample_interval_s: float = 0.1


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    exit_code: int | None
    """None when the tree was killed for breaking a limit."""
    output: str
    """stdout and stderr interleaved as written, capped."""
    broken_limit: str | None = None
    """Why it was killed: ``time limit exceeded: 300 s`` or ``memory limit exceeded: …``."""


class CappedOutput:
    """Keeps the first three quarters and the last quarter of ``cap`` bytes of a stream."""

    def __init__(self, cap_bytes: int) -> None:
        self._cap = cap_bytes
        self._tail_cap = cap_bytes // 4
        self._head = bytearray()
        self._tail = bytearray()
        self.total_bytes = 0

    def add(self, chunk: bytes) -> None:
        self.total_bytes += len(chunk)
        if len(self._head) < self._cap:
            self._head += chunk[: self._cap - len(self._head)]
        self._tail += chunk
        del self._tail[: -self._tail_cap or len(self._tail)]

    def text(self) -> str:
        if self.total_bytes <= self._cap:
            return _readable(self._head)
        head = self._head[: self._cap - self._tail_cap]
        cut = self.total_bytes - len(head) - len(self._tail)
        marker = f"\n[… output truncated: {format_bytes(cut)} cut …]\n"
        return _readable(head) + marker + _readable(self._tail)


def _readable(output: bytes | bytearray) -> str:
    """Bytes as text any store holds: what is not UTF-8, and NUL, become U+FFFD (PostgreSQL
    text cannot hold NUL; the cloud would refuse the report, and it shows as nothing anyway)."""
    return output.decode(errors="replace").replace("\x00", "\ufffd")


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants; 0 once it is gone. Blocking."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += process.memory_info().rss
    return total


def kill_tree(pid: int, *, root_alive: bool) -> None:
    """SIGKILL the tree of ``pid`` and its process group; quick syscalls, safe to repeat.

    Once the root has exited (and been reaped) its pid may name another process one day, so only
    the group is signalled then: a group id is not reused while a member is alive.
    """
    processes: list[psutil.Process] = []
    if root_alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            root = psutil.Process(pid)
            processes = [root, *root.children(recursive=True)]  # listed before any is killed
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            process.kill()
    # The group also holds children whose parent already exited (re-parented, not descendants).
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def record_group(pid_file: Path, pid: int) -> None:
    """Note the running group (its leader's pid and start time), for ``kill_recorded_group``."""
    with contextlib.suppress(psutil.NoSuchProcess):
        pid_file.write_text(f"{pid} {psutil.Process(pid).create_time()}\n", encoding="utf-8")


def kill_recorded_group(pid_file: Path) -> bool:
    """Kill the group a dead worker left running, as noted in ``pid_file``; True if it did.

    The start time must match, so a pid reused since by another program is never signalled.
    """
    try:
        pid_text, started_text = pid_file.read_text(encoding="utf-8").split()
        pid, started = int(pid_text), float(started_text)
    except (OSError, ValueError):
        return False
    try:
        if psutil.Process(pid).create_time() != started:
            return False
    except psutil.NoSuchProcess:
        # The leader is gone; members of its group may not be: signal the group alone.
        kill_tree(pid, root_alive=False)
        return False
    kill_tree(pid, root_alive=True)
    return True


class _Protocol(asyncio.SubprocessProtocol):
    """Keeps the capped output and says when the program exits and when its output ends.

    The exit is known apart from the output: a child the program left behind may hold the pipe
    open long after the program itself is gone.
    """

    def __init__(self, output: CappedOutput) -> None:
        loop = asyncio.get_running_loop()
        self.output = output
        self.exited: asyncio.Future[None] = loop.create_future()
        self.output_closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes | bytearray) -> None:
        self.output.add(bytes(data))

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if not self.output_closed.done():
            self.output_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


async def run_limited(
    argv: Sequence[str],
    *,
    cwd: Path,
    limits: ProcessLimits,
    env: Mapping[str, str] | None = None,
    pid_file: Path | None = None,
) -> ProcessOutcome:
    """Run ``argv`` (never through a shell) to its end or its first broken limit; whatever
    happens, cancellation included, the tree is dead when this returns or raises.

    ``pid_file`` records the running group while it runs, so that if this whole process is
    killed, the next one can find and end what it left (``kill_recorded_group``)."""
    output = CappedOutput(limits.output_bytes)
    transport, protocol = await asyncio.get_running_loop().subprocess_exec(
        lambda: _Protocol(output),
        *argv,
        cwd=cwd,
        env=None if env is None else dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    pid = transport.get_pid()
    if pid_file is not None:
        record_group(pid_file, pid)
    watcher = asyncio.create_task(_watch_memory(pid, limits))
    broken: str | None = None
    try:
        waits: set[asyncio.Future[Any]] = {protocol.exited, watcher}
        done, _ = await asyncio.wait(
            waits, timeout=limits.time_s, return_when=asyncio.FIRST_COMPLETED
        )
        if watcher in done and protocol.exited not in done:
            broken = watcher.result()
        elif not done:
            broken = f"time limit exceeded: {limits.time_s:g} s"
    finally:
        watcher.cancel()
        kill_tree(pid, root_alive=transport.get_returncode() is None)
        try:
            # The pipe closes once the tree is dead, unless an escaped process holds it: bounded.
            await asyncio.wait({protocol.output_closed}, timeout=_DRAIN_AFTER_KILL_S)
        finally:
            transport.close()
            if pid_file is not None:
                # One quick syscall, synchronous so that cancellation cannot skip it.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(pid_file)
    if broken is not None:
        log.warning("mission.process_killed", program=Path(argv[0]).name, reason=broken)
        return ProcessOutcome(None, output.text(), broken)
    return ProcessOutcome(transport.get_returncode(), output.text())


async def _watch_memory(pid: int, limits: ProcessLimits) -> str:
    """Returns (the reason) once the tree's resident memory is above the limit."""
    while True:
        rss = await asyncio.to_thread(tree_rss_bytes, pid)
        if rss > limits.memory_bytes:
            return (
                f"memory limit exceeded: {format_bytes(rss)} resident > "
                f"{format_bytes(limits.memory_bytes)}"
            )
        await asyncio.sleep(limits.sample_interval_s)

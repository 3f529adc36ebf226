"""Mission executors of the edge worker: one runner per ``MissionKind``, one small interface.

A runner carries out a mission's steps in order. Steps whose index is in ``done_steps`` were
checkpointed by a worker that died and never run again; after each step that does run, the runner
awaits ``on_checkpoint`` before starting the next, so the cloud has stored the proof before any
later side effect. Expected failures (a cap exceeded, a bad selector, a limit broken) end the
mission with ``MissionResult(ok=False, error=...)``; cancellation and programming errors propagate.

Runners: ``python_runner.PythonRunner``, ``browser_runner.BrowserRunner``,
``privacy.PrivacyRunner`` (device actions).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from models.missions import Checkpoint, Mission, MissionKind, MissionResult

OnCheckpoint = Callable[[Checkpoint], Awaitable[None]]
"""Awaited after each step; returns once the cloud has stored the checkpoint."""


class MissionRunner(Protocol):
    """Runs the missions of one kind on this device."""

    kind: MissionKind

    async def run(
        self,
        mission: Mission,
        *,
        done_steps: frozenset[int],
        on_checkpoint: OnCheckpoint,
    ) -> MissionResult:
        """Run every step not in ``done_steps``, checkpointing each; never raises for a failed
        step (the result says why), only for cancellation or a bug."""
        ...

    async def close(self) -> None:
        """Release what the runner holds (a browser); safe to call twice, and when unused."""
        ...

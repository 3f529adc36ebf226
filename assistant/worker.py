"""The edge as a worker: runs the missions the cloud hands it, one owned task per mission.

A ``mission`` envelope arrives over the authenticated cloud link only (never the HTTP API). The
worker accepts it at once (the link acks it then, not when the mission ends), runs the runner of
its kind, and reports through the link's outbox: a ``checkpoint`` after each step, a
``mission_result`` at the end, and ``trace_event``s for the merged timeline.

One mission id runs at most once at a time here: a re-delivered ``(mission id, attempt)`` that is
running or recently finished is ignored; a newer attempt of a running mission replaces the older
one (the cloud re-assigned it with newer ``done_steps``), an older attempt is ignored. A
``mission_cancel`` stops an attempt the cloud has taken back (moved or cancelled).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

import msgspec
import structlog

from assistant.missions import MissionRunner
from jarvis.logs import traced
from jarvis.tasks import cancel_and_wait
from models import Envelope, messages
from models.messages import (
    CheckpointBody,
    MissionBody,
    MissionCancelBody,
    MissionResultBody,
    TraceEventBody,
)
from models.missions import Checkpoint, MissionKind, MissionResult

log = structlog.get_logger(__name__)

CHECKPOINT_ACK_TIMEOUT_S = 30.0
"""How long a step waits for the cloud to store its checkpoint before the next step runs anyway
(the checkpoint stays in the outbox). Bounded so a silent cloud cannot stall a mission."""
RECENT_MISSIONS = 256
"""Finished ``(mission id, attempt)`` pairs remembered, so a late duplicate never runs again."""


class WorkerLink(Protocol):
    """What the worker needs of the link to the cloud (``EdgeLink``)."""

    async def send(self, envelope: Envelope) -> None:
        """Store ``envelope`` in the outbox and send it when the link is up."""
        ...

    async def wait_acked(self, envelope_id: str, timeout_s: float) -> bool:
        """True once the cloud acked ``envelope_id``; False after ``timeout_s``."""
        ...


Assignment = MissionBody
"""The body of a ``mission`` envelope: the mission, the steps done, the attempt."""


class Worker:
    """Owns the runners and one task per running mission; ``close()`` cancels and awaits them."""

    def __init__(
        self,
        runners: Mapping[MissionKind, MissionRunner],
        link: WorkerLink,
        *,
        clock: Callable[[], float] = time.time,
        checkpoint_ack_timeout_s: float = CHECKPOINT_ACK_TIMEOUT_S,
    ) -> None:
        self._runners = dict(runners)
        self._link = link
        self._clock = clock
        self._ack_timeout_s = checkpoint_ack_timeout_s
        self._running: dict[str, tuple[int, asyncio.Task[None]]] = {}
        self._finished: OrderedDict[tuple[str, int], None] = OrderedDict()
        self._closed = False

    def running(self) -> dict[str, int]:
        """Mission id → attempt of the missions running now."""
        return {mission_id: attempt for mission_id, (attempt, _) in self._running.items()}

    async def accept(self, envelope: Envelope) -> bool:
        """Start the mission in ``envelope`` unless it runs or ran already; True if started.

        Returns once the mission is queued, not when it ends. ``DecodeError`` for a bad body."""
        assignment = messages.body_of(envelope, Assignment)
        if not assignment.mission.trace_id:
            mission = replace(assignment.mission, trace_id=envelope.trace_id)
            assignment = msgspec.structs.replace(assignment, mission=mission)
        mission = assignment.mission
        with traced(mission_id=mission.id, trace_id=mission.trace_id):
            if self._closed:
                log.warning("mission.refused", reason="the worker is closing")
                return False
            if assignment.key in self._finished:
                log.info("mission.duplicate", attempt=assignment.attempt, state="finished")
                return False
            current = self._running.get(mission.id)
            if current is not None:
                attempt, task = current
                if attempt >= assignment.attempt:
                    log.info("mission.duplicate", attempt=assignment.attempt, running=attempt)
                    return False
                log.info("mission.superseded", attempt=attempt, by=assignment.attempt)
                await cancel_and_wait(task)
            task = asyncio.create_task(self._run(assignment), name=f"mission-{mission.id}")
            self._running[mission.id] = (assignment.attempt, task)
            task.add_done_callback(lambda done: self._forget(assignment, done))
            log.info("mission.accepted", kind=mission.kind.value, attempt=assignment.attempt)
            return True

    async def cancel(self, envelope: Envelope) -> bool:
        """Stop the attempt a ``mission_cancel`` names: the cloud took the mission back (it gave
        it to another worker while this one was out of reach, or it was cancelled). Its code is
        killed and its environment deleted, as on any cancellation; a copy of that attempt
        arriving late never starts. True if it was running; a newer attempt is left alone."""
        body = messages.body_of(envelope, MissionCancelBody)
        mission_id, attempt = body.mission_id, body.attempt
        with traced(mission_id=mission_id, trace_id=envelope.trace_id):
            self._remember_finished((mission_id, attempt))
            current = self._running.get(mission_id)
            if current is None or current[0] > attempt:
                log.info("mission.cancel_ignored", attempt=attempt, running=current and current[0])
                return False
            log.warning("mission.cancelled", attempt=current[0], reason=body.reason)
            await cancel_and_wait(current[1])
            return True

    async def close(self) -> None:
        """Cancel the running missions (another worker resumes them), then close the runners."""
        self._closed = True
        await cancel_and_wait(*(task for _, task in self._running.values()))
        for runner in self._runners.values():
            await runner.close()

    def _forget(self, assignment: Assignment, task: asyncio.Task[None]) -> None:
        current = self._running.get(assignment.mission.id)
        if current is not None and current[1] is task:
            del self._running[assignment.mission.id]
        if not task.cancelled():
            self._remember_finished(assignment.key)

    def _remember_finished(self, key: tuple[str, int]) -> None:
        self._finished[key] = None
        while len(self._finished) > RECENT_MISSIONS:
            self._finished.popitem(last=False)

    async def _run(self, assignment: Assignment) -> None:
        mission = assignment.mission
        started = time.perf_counter()
        await self._trace(
            assignment,
            "mission.started",
            kind=mission.kind.value,
            attempt=assignment.attempt,
            done_steps=sorted(assignment.done_steps),
        )
        try:
            result = await self._execute(assignment)
        except asyncio.CancelledError:
            log.info("mission.interrupted", attempt=assignment.attempt)
            raise
        await self._report(
            assignment,
            MissionResultBody(
                result.mission_id, result.ok, result.output, result.error, assignment.attempt
            ),
        )
        await self._trace(
            assignment,
            "mission.finished",
            ok=result.ok,
            error=result.error,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        log.info("mission.finished", ok=result.ok, error=result.error)

    async def _execute(self, assignment: Assignment) -> MissionResult:
        mission = assignment.mission
        runner = self._runners.get(mission.kind)
        if runner is None:
            return MissionResult(
                mission.id, ok=False, error=f"this device cannot run {mission.kind} missions"
            )

        async def on_checkpoint(checkpoint: Checkpoint) -> None:
            body = CheckpointBody(
                checkpoint.mission_id,
                checkpoint.step_index,
                checkpoint.name,
                dict(checkpoint.data),
                checkpoint.ts,
                assignment.attempt,
            )
            envelope = await self._report(assignment, body)
            await self._trace(
                assignment,
                "mission.step_done",
                step_index=checkpoint.step_index,
                name=checkpoint.name,
            )
            # The next step may have side effects: let the cloud store this proof first.
            if not await self._link.wait_acked(envelope.id, self._ack_timeout_s):
                log.warning("mission.checkpoint_unacked", step_index=checkpoint.step_index)

        try:
            return await runner.run(
                mission, done_steps=assignment.done_steps, on_checkpoint=on_checkpoint
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:
            # A runner bug must still end the mission, or the cloud waits for it forever.
            log.exception("mission.runner_failed")
            return MissionResult(
                mission.id, ok=False, error=f"the worker failed: {type(error).__name__}"
            )

    async def _report(
        self, assignment: Assignment, body: CheckpointBody | MissionResultBody
    ) -> Envelope:
        # ``attempt`` rides along so the cloud can drop reports of an attempt it replaced.
        envelope = messages.envelope(body, trace_id=self._trace_id(assignment))
        await self._link.send(envelope)
        return envelope

    async def _trace(self, assignment: Assignment, event: str, **detail: Any) -> None:
        trace_id = self._trace_id(assignment)
        body = TraceEventBody(
            trace_id=trace_id,
            kind=event,
            ts=self._clock(),
            detail={"mission_id": assignment.mission.id, **detail},
        )
        await self._link.send(messages.envelope(body, trace_id=trace_id))

    @staticmethod
    def _trace_id(assignment: Assignment) -> str:
        return assignment.mission.trace_id

"""Missions from creation to result: assignment, checkpoints, results, leases and failover
(their rows read and written through ``cloud.store.missions``).

A mission is assigned to one worker at a time; assigning it queues a ``mission`` envelope in the
worker's outbox in the same transaction. The worker's lease is its liveness: when its device has
not been seen for ``lease_s`` (three heartbeats fit in it, every frame counts), the supervisor
(one per instance, ``FOR UPDATE SKIP LOCKED`` so instances share the work) hands the mission to
another capable live worker with the steps already checkpointed as ``done_steps``, or puts it
back in the queue (see ``mission_supervisor``). Every change is logged in ``mission_events`` and
as a trace event.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from cloud.missions import routing
from cloud.missions.plans import DEFAULT_PRIVACY_DISTANCE_KM, StartMission
from cloud.missions.replies import result_text
from cloud.store import device_state, outbox
from cloud.store import missions as stored_missions
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.devices import ONLINE_WITHIN_S
from jarvis.settings import Settings
from models import Reply, messages, new_id
from models.messages import MissionBody, MissionCancelBody
from models.missions import Checkpoint, Mission, MissionKind, MissionResult, Step

log = structlog.get_logger(__name__)

DEFAULT_LEASE_S = 15.0
BATCH = 50
MAX_CHECK_EVERY_S = 5.0
ACTIVE = ("assigned", "running")


@dataclass(frozen=True, slots=True)
class MissionConfig:
    lease_s: float = DEFAULT_LEASE_S
    """A worker not seen for this long loses its missions."""
    privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM

    @property
    def check_every_s(self) -> float:
        """How often the supervisor looks for lapsed leases and waiting missions."""
        return min(self.lease_s / 3, MAX_CHECK_EVERY_S)

    def heartbeat_s(self, usual_s: float) -> float:
        """How often edges must heartbeat (told in the welcome): ``usual_s``, or more often,
        so that three fit in a lease. A lease one heartbeat long lapses on one late frame (a
        Wi-Fi hiccup), and the mission would then run on two workers at once."""
        return min(usual_s, self.lease_s / 3)


def config_from(settings: Settings) -> MissionConfig:
    return MissionConfig(
        lease_s=settings.mission_lease_s, privacy_distance_km=settings.privacy_distance_km
    )


@dataclass(frozen=True, slots=True)
class Created:
    """What creating a mission did: its id, and the worker it went to (None: queued)."""

    mission_id: str
    worker: routing.Worker | None
    duplicate: bool = False


async def create(
    conn: asyncpg.Connection,
    spec: StartMission,
    *,
    requested_by: str | None,
    utterance_id: str | None,
    trace_id: str,
    idempotency_key: str,
) -> Created:
    """Store a mission and route it, in the caller's transaction; a second call with the same
    ``idempotency_key`` changes nothing (``duplicate``). Without ``requested_by`` (an admin's
    mission) nobody hears the result; without ``utterance_id`` the result is news."""
    mission_id = new_id()
    steps = [
        Step(index, plan.action, plan.params, f"{mission_id}:{index}").to_wire()
        for index, plan in enumerate(spec.steps)
    ]
    row = await stored_missions.insert(
        conn,
        mission_id=mission_id,
        kind=spec.kind.value,
        steps=steps,
        summary=spec.summary,
        idempotency_key=idempotency_key,
        trace_id=trace_id,
        requested_by=requested_by,
        utterance_id=utterance_id,
        capabilities=sorted(spec.capabilities),
        device_name=spec.device_name,
    )
    if row is None:
        existing = await stored_missions.id_for_key(conn, idempotency_key)
        return Created(existing, None, duplicate=True)
    # Refused now (TooLargeError, the transaction rolled back) rather than queued for a worker
    # whose link could never carry it.
    biggest = MissionBody(mission_of(row), frozenset(), 1)
    outbox.fitted(messages.envelope(biggest, trace_id=trace_id))
    await event(conn, row, "created", requested_by, {"summary": spec.summary})
    worker = await route(conn, row)
    if worker is None:
        await event(conn, row, "queued", None, {"reason": "no capable worker online"})
    return Created(mission_id, worker)


async def route(
    conn: asyncpg.Connection,
    row: Mapping[str, Any],
    *,
    exclude: Collection[str] = (),
    seen_within_s: float = ONLINE_WITHIN_S,
    reassigned_from: str | None = None,
) -> routing.Worker | None:
    """Assign the (locked or new) mission to the best live worker; None when there is none."""
    worker = await routing.choose(
        conn,
        row["capabilities"],
        asker=row["requested_by"],
        device_name=row["device_name"],
        exclude=exclude,
        seen_within_s=seen_within_s,
    )
    if worker is not None:
        await _assign(conn, row, worker, reassigned_from)
    return worker


async def _assign(
    conn: asyncpg.Connection,
    row: Mapping[str, Any],
    worker: routing.Worker,
    reassigned_from: str | None,
) -> None:
    done = await done_steps(conn, row["id"])
    attempt = int(row["attempt"]) + 1
    await stored_missions.mark_assigned(conn, row["id"], worker.id, attempt)
    detail = {"worker": worker.id, "worker_name": worker.name, "attempt": attempt}
    if reassigned_from is not None:
        await event(conn, row, "reassigned", worker.id, {**detail, "from": reassigned_from})
    else:
        await event(conn, row, "assigned", worker.id, detail)
    body = MissionBody(mission_of(row), frozenset(done), attempt)
    envelope = messages.envelope(body, trace_id=row["trace_id"])
    # Never cut (a mission's code cut short would run wrong): it was checked when created.
    await outbox.enqueue(conn, worker.id, envelope)
    log.info("mission assigned", mission_id=row["id"], worker=worker.id, attempt=attempt)


def mission_of(row: Mapping[str, Any]) -> Mission:
    return Mission(
        id=row["id"],
        kind=MissionKind(row["kind"]),
        steps=tuple(Step.from_wire(step) for step in row["steps"]),
        idempotency_key=row["idempotency_key"],
        trace_id=row["trace_id"],
        requested_by=row["requested_by"],
        capabilities=frozenset(row["capabilities"]),
        device_name=row["device_name"],
    )


async def done_steps(conn: asyncpg.Connection, mission_id: str) -> list[int]:
    return await stored_missions.done_steps(conn, mission_id)


async def event(
    conn: asyncpg.Connection,
    row: Mapping[str, Any],
    kind: str,
    device_id: str | None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One entry in the mission's event log, and the same as a trace event."""
    await stored_missions.log_event(
        conn,
        mission_id=row["id"],
        trace_id=row["trace_id"],
        kind=kind,
        device_id=device_id,
        detail=dict(detail or {}),
    )


async def stop_attempt(
    conn: asyncpg.Connection, device_id: str, row: Mapping[str, Any], reason: str
) -> None:
    """Take the mission's current attempt back from ``device_id``, in the caller's transaction:
    a copy of the assignment still waiting for it is withdrawn, and ``mission_cancel`` is
    queued, so a worker that is alive (cut off, say) stops the attempt the moment it hears,
    rather than run it beside another worker or after a cancel. (Not for a device deleted
    meanwhile: it has no outbox, and no link to come back on.)"""
    await outbox.withdraw_mission(conn, device_id, row["id"])
    if not await device_state.exists(conn, device_id):
        return
    body = MissionCancelBody(row["id"], row["attempt"], reason)
    stop = messages.envelope(body, trace_id=row["trace_id"])
    await outbox.enqueue(conn, device_id, stop)


async def assign_waiting(pool: asyncpg.Pool, device_id: str, *, lease_s: float) -> int:
    """Route the queued missions the device could take (it just connected); returns how many
    were assigned (to it or to a better worker)."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        rows = await stored_missions.claim_waiting_for(conn, device_id, limit=BATCH)
        return await route_all(conn, rows, lease_s)


async def worker_ready(pool: asyncpg.Pool, device_id: str, *, lease_s: float) -> None:
    """After a worker's welcome: hand it (or a better worker) the missions waiting for it.
    A failure is logged, not raised: the supervisor's sweep assigns them a little later."""
    try:
        await assign_waiting(pool, device_id, lease_s=lease_s)
    except Exception:
        # Never fail the hello over this: the link works, and the sweep catches up.
        log.exception("waiting missions not assigned on connect")


async def route_all(conn: asyncpg.Connection, rows: list[asyncpg.Record], lease_s: float) -> int:
    assigned = 0
    for row in rows:
        if await route(conn, row, seen_within_s=lease_s) is not None:
            assigned += 1
    return assigned


async def store_checkpoint(
    conn: asyncpg.Connection, device_id: str, checkpoint: Checkpoint
) -> bool:
    """Store a checkpoint from the mission's current worker (a duplicate changes nothing) and
    mark the mission running; False when ignored (not its mission, finished, unknown step)."""
    row = await stored_missions.lock(conn, checkpoint.mission_id)
    indexes = {step["index"] for step in row["steps"]} if row else set()
    if (
        row is None
        or row["assigned_to"] != device_id
        or row["state"] not in ACTIVE
        or checkpoint.step_index not in indexes
    ):
        log.info("checkpoint ignored", mission_id=checkpoint.mission_id, step=checkpoint.step_index)
        return False
    stored = await stored_missions.insert_checkpoint(
        conn, checkpoint, device_id=device_id, attempt=row["attempt"]
    )
    if stored:
        detail = {"step": checkpoint.step_index, "name": checkpoint.name}
        await event(conn, row, "checkpoint", device_id, detail)
    if row["state"] == "assigned":
        await stored_missions.mark_running(conn, row["id"])
    return True


async def store_result(
    conn: asyncpg.Connection, device_id: str, result: MissionResult, *, attempt: int | None = None
) -> bool:
    """Finish the mission and queue the asker's reply, once; False when ignored (finished
    already, from a worker that no longer holds it, or from an ``attempt`` since replaced)."""
    # A resumed mission's output starts with what the steps run by an earlier worker printed
    # (their checkpoints keep it): the asker hears the whole mission, as if never interrupted.
    row = await stored_missions.finish(
        conn,
        result.mission_id,
        device_id,
        ok=result.ok,
        output=result.output,
        error=result.error,
        attempt=attempt,
    )
    if row is None:
        log.info("mission result ignored", mission_id=result.mission_id)
        return False
    kind = "succeeded" if result.ok else "failed"
    await event(conn, row, kind, device_id, {"error": result.error} if result.error else {})
    checkpoints = await stored_missions.checkpoint_data(conn, row["id"])
    text = result_text(
        kind=row["kind"],
        steps=row["steps"],
        summary=row["summary"],
        worker_name=row["worker_name"],
        ok=result.ok,
        output=row["result_output"],
        error=result.error,
        checkpoints=checkpoints,
    )
    if row["requested_by"] is not None:
        reply = Reply(text=text, utterance_id=row["utterance_id"], kind="reply")
        await outbox.enqueue_reply(conn, row["requested_by"], reply, trace_id=row["trace_id"])
    log.info("mission finished", mission_id=row["id"], ok=result.ok)
    return True

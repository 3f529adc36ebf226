"""The mission messages a worker sends: ``checkpoint``, ``mission_result`` and ``trace_event``.

Each is stored in one transaction, and acked only after it commits. Any frame from a device
counts as a sign of life, so these also renew the sender's ``last_seen`` (its leases).
"""

from __future__ import annotations

from typing import Any

import msgspec

from cloud.link.handlers import Context, decode_body, send_ack
from cloud.missions import lifecycle as missions
from cloud.store import device_state, traces
from cloud.store.database import ACQUIRE_TIMEOUT_S
from jarvis.logs import traced
from models import DecodeError, Envelope
from models.missions import Checkpoint, MissionResult

MAX_KIND_LENGTH = 100


class TraceEventBody(msgspec.Struct, frozen=True):
    trace_id: str
    kind: str
    ts: float
    """Seconds since the epoch, on the edge's clock."""
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


async def on_checkpoint(ctx: Context, envelope: Envelope) -> None:
    """Store the checkpoint (a duplicate changes nothing) before acking it."""
    checkpoint = Checkpoint.from_wire(envelope.body, "body")
    with traced(mission_id=checkpoint.mission_id):
        async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await device_state.mark_seen(conn, ctx.device_id)
            await missions.store_checkpoint(conn, ctx.device_id, checkpoint)
    await send_ack(ctx.link, envelope)


async def on_mission_result(ctx: Context, envelope: Envelope) -> None:
    """Finish the mission and queue the asker's reply once; a late or stale result (another
    worker's, or an ``attempt`` the cloud has since replaced) is acked and ignored."""
    result = MissionResult.from_wire(envelope.body, "body")
    with traced(mission_id=result.mission_id):
        async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await device_state.mark_seen(conn, ctx.device_id)
            await missions.store_result(conn, ctx.device_id, result, attempt=_attempt(envelope))
    await send_ack(ctx.link, envelope)


MAX_ATTEMPT = 2**31 - 1
"""The largest attempt number the ``integer`` column holds."""


def _attempt(envelope: Envelope) -> int | None:
    """The attempt a report belongs to, when the worker says (optional on the wire)."""
    attempt = envelope.body.get("attempt")
    if not isinstance(attempt, int) or isinstance(attempt, bool):
        return None
    if not 0 <= attempt <= MAX_ATTEMPT:
        # Refused for good, here: PostgreSQL could never compare it, and would fail every time.
        raise DecodeError("body.attempt", f"must be between 0 and {MAX_ATTEMPT}")
    return attempt


async def on_trace_event(ctx: Context, envelope: Envelope) -> None:
    """Store one edge trace event (once per message id) on the edge's own clock."""
    body = decode_body(envelope.body, TraceEventBody)
    await traces.record_edge_event(
        ctx.pool,
        message_id=envelope.id,
        device_id=ctx.device_id,
        trace_id=body.trace_id or envelope.trace_id,
        ts=body.ts,
        kind=body.kind[:MAX_KIND_LENGTH],
        detail=body.detail,
    )
    await send_ack(ctx.link, envelope)

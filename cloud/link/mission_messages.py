"""The mission messages a worker sends: ``checkpoint``, ``mission_result`` and ``trace_event``.

Each is stored in one transaction, and acked only after it commits. Any frame from a device
counts as a sign of life, so these also renew the sender's ``last_seen`` (its leases).
"""

from __future__ import annotations

from cloud.link.handlers import Context, send_ack
from cloud.missions import lifecycle as missions
from cloud.store import device_state, traces
from cloud.store.database import ACQUIRE_TIMEOUT_S
from jarvis.logs import traced
from models import Envelope
from models.messages import CheckpointBody, MissionResultBody, TraceEventBody, body_of
from models.missions import MissionResult

MAX_KIND_LENGTH = 100


async def on_checkpoint(ctx: Context, envelope: Envelope) -> None:
    """Store the checkpoint (a duplicate changes nothing) before acking it."""
    checkpoint = body_of(envelope, CheckpointBody).checkpoint()
    with traced(mission_id=checkpoint.mission_id):
        async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await device_state.mark_seen(conn, ctx.device_id)
            await missions.store_checkpoint(conn, ctx.device_id, checkpoint)
    await send_ack(ctx.link, envelope)


async def on_mission_result(ctx: Context, envelope: Envelope) -> None:
    """Finish the mission and queue the asker's reply once; a late or stale result (another
    worker's, or an ``attempt`` the cloud has since replaced) is acked and ignored."""
    # ``attempt`` is bounded by its type (``models.messages.Attempt``): one PostgreSQL could
    # never compare is refused for good, not failed on every retry.
    body = body_of(envelope, MissionResultBody)
    result = MissionResult(body.mission_id, body.ok, body.output, body.error)
    with traced(mission_id=result.mission_id):
        async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await device_state.mark_seen(conn, ctx.device_id)
            await missions.store_result(conn, ctx.device_id, result, attempt=body.attempt)
    await send_ack(ctx.link, envelope)


async def on_trace_event(ctx: Context, envelope: Envelope) -> None:
    """Store one edge trace event (once per message id) on the edge's own clock."""
    body = body_of(envelope, TraceEventBody)
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

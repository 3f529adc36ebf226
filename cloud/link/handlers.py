"""What the cloud does with each message type an edge sends (after the handshake)."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import msgspec
import structlog

from cloud.capabilities import device_commands
from cloud.link.registry import EdgeLink, LinkRegistry
from cloud.requests.batching import Batches
from cloud.requests.hot_path import RequestBatches
from cloud.store import device_state, outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.requests import mark_processed
from models import REFUSED_FOR_GOOD, Envelope, messages
from models.messages import AckBody, CommandResultBody, ErrorBody, HeartbeatBody, body_of

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Here:
    """This cloud instance, as a request sees it: its id, and the links it holds."""

    instance_id: str
    links: LinkRegistry

    def wake(self, device_id: str) -> None:
        """Have the device's link (if held here) send what waits in its outbox."""
        self.links.wake(device_id)


@dataclass(frozen=True, slots=True)
class Context:
    """What a message handler works with: the link it came on and the instance's services."""

    link: EdgeLink
    pool: asyncpg.Pool
    requests: RequestBatches
    acks: Batches[outbox.Ack, int]
    here: Here

    @property
    def device_id(self) -> str:
        return self.link.device_id


async def send_ack(link: EdgeLink, envelope: Envelope) -> None:
    await link.send(messages.envelope(AckBody([envelope.id]), trace_id=envelope.trace_id))


async def on_request(ctx: Context, envelope: Envelope) -> None:
    """Handle the request (a plain answer goes back on this link at once); ack it once what it
    stored is on disk."""
    handled = await ctx.requests.handle(
        ctx.device_id,
        envelope,
        send_early=ctx.link.deliver,
        clock_offset_s=ctx.link.clock_offset_s,
    )
    if handled.reply is not None and handled.holder == ctx.here.instance_id:
        ctx.here.wake(ctx.device_id)
    await ctx.requests.settled(handled)
    await send_ack(ctx.link, envelope)


async def on_command_result(ctx: Context, envelope: Envelope) -> None:
    """A device ran a command for another: its text becomes the asker's reply."""
    body = body_of(envelope, CommandResultBody)
    known = True
    async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if await mark_processed(conn, envelope, ctx.device_id):
            known = await device_commands.complete_command(
                conn,
                device_id=ctx.device_id,
                request_id=body.request_id,
                text=body.text,
                trace_id=envelope.trace_id,
            )
    await send_ack(ctx.link, envelope)
    if not known:
        # Acked all the same: retrying cannot make an unknown request known.
        await ctx.link.send_error(
            "unknown_request",
            f"No pending command {body.request_id!r} for this device.",
            envelope.id,
            envelope.trace_id,
        )


async def on_heartbeat(ctx: Context, envelope: Envelope) -> None:
    body = body_of(envelope, HeartbeatBody)
    ctx.link.heard_stamp(envelope.ts)
    await device_state.record_heartbeat(ctx.pool, ctx.device_id, msgspec.to_builtins(body.load))


async def on_ack(ctx: Context, envelope: Envelope) -> None:
    """Mark those messages delivered in a batch soon; they stay in flight on this link until
    that write is settled, so a flush that reads the outbox meanwhile does not send them again.
    (Should the write fail, they leave the in-flight set all the same: sent again, the edge
    drops the duplicate and acks it again, which retries the write.)

    A reply sent early (before its row was written) is acked on the link it went out on, whose
    frames are handled one after another: its ack is read only once its request's handling,
    the write included, is done. So the row is always there to mark."""
    body = body_of(envelope, AckBody)
    ids = list(body.ids)
    ctx.acks.submit_nowait(outbox.Ack(ctx.device_id, tuple(ids)), then=lambda: ctx.link.acked(ids))


async def on_error(ctx: Context, envelope: Envelope) -> None:
    """The edge could not take a message: one it refused for good (``REFUSED_FOR_GOOD``: it
    cannot read it, it is too large) leaves the outbox, where it would be sent again on every
    reconnect and hold up every message behind it. Any other code is only logged."""
    body = body_of(envelope, ErrorBody)
    if body.code not in REFUSED_FOR_GOOD or body.ref is None:
        log.warning("edge reported an error", code=body.code, message=body.message, ref=body.ref)
        return
    try:
        dropped = await outbox.drop(ctx.pool, ctx.device_id, body.ref, reason=body.code)
    finally:
        # Only once its row is gone: a flush before that would send it again.
        ctx.link.acked([body.ref])
    log.error(
        "edge refused a message for good; dropped",
        code=body.code,
        message=body.message,
        ref=body.ref,
        type=dropped,
    )

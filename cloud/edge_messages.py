"""What the cloud does with each message type an edge sends (after the handshake)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
import msgspec
import structlog

from cloud import device_config, outbox, skills, traces
from cloud.database import ACQUIRE_TIMEOUT_S
from cloud.errors import NotFoundError
from cloud.links import EdgeLink
from cloud.planner import Answer, PlanContext, Planner
from models import DecodeError, Envelope, Reply, Utterance

log = structlog.get_logger(__name__)

T = TypeVar("T")


class Load(msgspec.Struct, frozen=True):
    cpu_percent: float
    """Percent of all cores, 0-100."""
    memory_percent: float


class HeartbeatBody(msgspec.Struct, frozen=True):
    load: Load


class AckBody(msgspec.Struct, frozen=True):
    ids: list[str]


class CommandResultBody(msgspec.Struct, frozen=True):
    request_id: str
    text: str


@dataclass(frozen=True, slots=True)
class Here:
    """This cloud instance, as a request sees it: its id, and how to wake a link it holds."""

    instance_id: str
    wake: Callable[[str], None]
    """Wakes the link of a device id, if this instance holds it."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a message handler works with: the link it came on and the instance's services."""

    link: EdgeLink
    pool: asyncpg.Pool
    planner: Planner
    here: Here

    @property
    def device_id(self) -> str:
        return self.link.device_id


_AT_FIELD = re.compile(r" - at `\$\.?(?P<field>[^`]*)`")


def decode_body(body: Any, kind: type[T]) -> T:
    """Validate a body with msgspec; a DecodeError names the field, like the models' decoders."""
    try:
        return msgspec.convert(body, kind)
    except msgspec.ValidationError as error:
        text = str(error)
        match = _AT_FIELD.search(text)
        field = "body" + (f".{match.group('field')}" if match and match.group("field") else "")
        raise DecodeError(field, _AT_FIELD.sub("", text)) from None


async def send_ack(link: EdgeLink, envelope: Envelope) -> None:
    await link.send(Envelope(type="ack", body={"ids": [envelope.id]}, trace_id=envelope.trace_id))


async def _mark_processed(conn: asyncpg.Connection, envelope: Envelope, device_id: str) -> bool:
    """Record the message id; False when it was already there (a duplicate)."""
    # One statement: the id and, only when it is new, its trace event.
    inserted: bool = await conn.fetchval(
        "WITH processed AS (INSERT INTO processed_messages (id, device_id, type)"
        " VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id),"
        f" traced AS ({traces.INSERT} SELECT $4, 'cloud', $2, $5, $6::jsonb FROM processed)"
        " SELECT EXISTS (SELECT 1 FROM processed)",
        envelope.id,
        device_id,
        envelope.type,
        envelope.trace_id,
        f"received.{envelope.type}",
        {"message_id": envelope.id, "body": dict(envelope.body)},
    )
    return inserted


async def on_request(ctx: Context, envelope: Envelope) -> None:
    """Handle the request (see ``handle_request``), then ack it."""
    await handle_request(ctx.pool, ctx.planner, ctx.here, ctx.device_id, envelope)
    await send_ack(ctx.link, envelope)


async def handle_request(
    pool: asyncpg.Pool, planner: Planner, here: Here, device_id: str, envelope: Envelope
) -> bool:
    """Plan, then store the effects and the reply in one transaction with the message id.

    The reply lands in ``device_id``'s outbox. False when the message id was handled before (a
    duplicate: nothing runs again). DecodeError when the body holds no valid ``utterance``. Both
    transports use it: the WebSocket ``request`` and ``POST /v1/requests``.
    """
    utterance = Utterance.from_wire(envelope.body.get("utterance"), "body.utterance")
    # One round trip for everything planning needs (this is the hot path).
    row = await pool.fetchrow(
        "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE id = $1) AS seen,"
        " (SELECT settings FROM devices WHERE id = $2) AS settings,"
        " ARRAY(SELECT name FROM devices WHERE revoked_at IS NULL) AS names",
        envelope.id,
        device_id,
    )
    if row["seen"]:
        log.info("duplicate request", message_id=envelope.id)
        return False
    if row["settings"] is None:
        raise NotFoundError(f"No device {device_id!r}.")
    context = PlanContext(
        now=datetime.now(device_config.zone_of(row["settings"])), device_names=row["names"]
    )
    action = await planner.plan(utterance, context)
    log.info("request planned", action=type(action).__name__, utterance_id=utterance.id)
    if isinstance(action, Answer):
        fresh, holder = await _answer(pool, here, envelope, device_id, utterance, action)
        if fresh and holder == here.instance_id:
            here.wake(device_id)
        return fresh
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if not await _mark_processed(conn, envelope, device_id):
            return False
        await skills.carry_out(
            conn,
            action,
            device_id=device_id,
            utterance=utterance,
            trace_id=envelope.trace_id,
            message_id=envelope.id,
        )
    return True


async def _answer(
    pool: asyncpg.Pool,
    here: Here,
    envelope: Envelope,
    device_id: str,
    utterance: Utterance,
    action: Answer,
) -> tuple[bool, str | None]:
    """What ``_mark_processed`` and ``skills.carry_out`` store for a plain answer, as one
    statement: atomic without BEGIN and COMMIT, so one round trip instead of five on the most
    common path. Returns whether the message id was new (nothing is stored when it was not) and
    the instance holding the device's link.

    NOTIFY goes out only when another instance holds the link: PostgreSQL serializes the commits
    of transactions that notify, so a notification per request caps throughput. When this
    instance holds it, the caller wakes it directly; when none does, the next link flushes the
    outbox on connect. The device row is read FOR SHARE, so a hello moving the link elsewhere
    waits for this commit and its first flush finds the reply.
    """
    reply = Reply(text=action.text, utterance_id=utterance.id, kind="reply")
    queued = Envelope(type="reply", body=reply.to_wire(), trace_id=envelope.trace_id)
    events = [
        ("received.request", {"message_id": envelope.id, "body": dict(envelope.body)}),
        ("planned.Answer", {"utterance_id": utterance.id, "reply": action.text}),
        ("enqueued.reply", {"message_id": queued.id, "body": dict(queued.body)}),
    ]
    row = await pool.fetchrow(
        "WITH processed AS (INSERT INTO processed_messages (id, device_id, type)"
        " VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING id),"
        " holder AS (SELECT connected_instance AS id FROM devices WHERE id = $2 FOR SHARE),"
        " queued AS (INSERT INTO outbox (id, device_id, envelope)"
        " SELECT $4, $2, $5::jsonb FROM processed),"
        f" traced AS ({traces.INSERT} SELECT $6, 'cloud', $2, event.kind, event.detail"
        " FROM processed, unnest($7::text[], $8::jsonb[]) WITH ORDINALITY"
        " AS event (kind, detail, n) ORDER BY event.n),"
        " notified AS (SELECT pg_notify($9, $2) FROM processed, holder"
        " WHERE holder.id IS NOT NULL AND holder.id <> $10)"
        " SELECT EXISTS (SELECT 1 FROM processed) AS fresh, (SELECT id FROM holder) AS holder,"
        " (SELECT count(*) FROM notified) AS notified",
        envelope.id,
        device_id,
        envelope.type,
        queued.id,
        outbox.envelope_json(queued),
        envelope.trace_id,
        [kind for kind, _ in events],
        [detail for _, detail in events],
        outbox.OUTBOX_CHANNEL,
        here.instance_id,
    )
    return bool(row["fresh"]), row["holder"]


async def on_command_result(ctx: Context, envelope: Envelope) -> None:
    """A device ran a command for another: its text becomes the asker's reply."""
    body = decode_body(envelope.body, CommandResultBody)
    known = True
    async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if await _mark_processed(conn, envelope, ctx.device_id):
            known = await skills.complete_command(
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
    body = decode_body(envelope.body, HeartbeatBody)
    await ctx.pool.execute(
        "UPDATE devices SET last_seen = now(), load = $2 WHERE id = $1",
        ctx.device_id,
        msgspec.to_builtins(body.load),
    )


async def on_ack(ctx: Context, envelope: Envelope) -> None:
    body = decode_body(envelope.body, AckBody)
    count = await outbox.acknowledge(ctx.pool, ctx.device_id, body.ids)
    ctx.link.acked(body.ids)
    log.debug("acked", count=count)

"""What the cloud does with each message type an edge sends (after the handshake)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg
import msgspec
import structlog

from cloud import device_config, outbox, skills, traces
from cloud.database import ACQUIRE_TIMEOUT_S
from cloud.links import EdgeLink
from cloud.planner import PlanContext, Planner
from models import DecodeError, Envelope, Utterance

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
class Context:
    """What a message handler works with: the link it came on and the instance's services."""

    link: EdgeLink
    pool: asyncpg.Pool
    planner: Planner

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


async def _seen(pool: asyncpg.Pool, message_id: str) -> bool:
    return bool(await pool.fetchval("SELECT 1 FROM processed_messages WHERE id = $1", message_id))


async def _mark_processed(conn: asyncpg.Connection, envelope: Envelope, device_id: str) -> bool:
    """Record the message id; False when it was already there (a duplicate)."""
    inserted = await conn.fetchval(
        "INSERT INTO processed_messages (id, device_id, type) VALUES ($1, $2, $3)"
        " ON CONFLICT (id) DO NOTHING RETURNING true",
        envelope.id,
        device_id,
        envelope.type,
    )
    if inserted:
        await traces.record(
            conn,
            envelope.trace_id,
            f"received.{envelope.type}",
            device_id=device_id,
            detail={"message_id": envelope.id, "body": dict(envelope.body)},
        )
    return bool(inserted)


async def on_request(ctx: Context, envelope: Envelope) -> None:
    """Plan, then store the effects and the reply in one transaction with the message id."""
    utterance = Utterance.from_wire(envelope.body.get("utterance"), "body.utterance")
    if await _seen(ctx.pool, envelope.id):
        log.info("duplicate request re-acked", message_id=envelope.id)
        await send_ack(ctx.link, envelope)
        return
    settings = await device_config.get_settings(ctx.pool, ctx.device_id)
    names = await ctx.pool.fetch("SELECT name FROM devices WHERE revoked_at IS NULL")
    context = PlanContext(
        now=datetime.now(device_config.zone_of(settings)),
        device_names=[row["name"] for row in names],
    )
    action = await ctx.planner.plan(utterance, context)
    log.info("request planned", action=type(action).__name__, utterance_id=utterance.id)
    async with ctx.pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if await _mark_processed(conn, envelope, ctx.device_id):
            await skills.carry_out(
                conn,
                action,
                device_id=ctx.device_id,
                utterance=utterance,
                trace_id=envelope.trace_id,
            )
    await send_ack(ctx.link, envelope)


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

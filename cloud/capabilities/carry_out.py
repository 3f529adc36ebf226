"""Carrying out a planner's Action for one request, inside the request's transaction.

Who carries out which action comes from the capability table (``cloud.capabilities.registry``).
Every path queues exactly what the asker should hear (now or later) in the outbox, so the
request, its effects and its reply commit together or not at all.
"""

from __future__ import annotations

import asyncpg

from cloud.capabilities.capability import Registry, Request
from cloud.capabilities.registry import REGISTRY
from cloud.planning.planner import Action
from cloud.store import outbox, traces
from models import Reply, Utterance


async def carry_out(
    conn: asyncpg.Connection,
    action: Action,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str | None = None,
    registry: Registry = REGISTRY,
) -> None:
    """Apply ``action`` for the request ``utterance`` from ``device_id``; ``message_id`` (the
    request envelope's id) keys the mission a request may start."""
    handles = registry.handles(action)
    request = Request(conn, device_id, utterance, trace_id, message_id)
    text = await handles.carry_out(request, action)
    await traces.record(
        conn,
        trace_id,
        f"planned.{type(action).__name__}",
        device_id=device_id,
        detail={"utterance_id": utterance.id, "reply": text},
    )
    if text is not None:
        reply = Reply(
            text=text,
            utterance_id=utterance.id,
            kind="reply",
            follow_up_at=handles.follow_up_at(action),
        )
        await outbox.enqueue_reply(conn, device_id, reply, trace_id=trace_id)

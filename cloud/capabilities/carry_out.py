"""Carrying out a planner's Action for one request, inside the request's transaction.

Every path queues exactly what the asker should hear (now or later) in the outbox, so the
request, its effects and its reply commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import structlog

from cloud.capabilities import reminders
from cloud.missions import carry_out as mission_skills
from cloud.missions.plans import AnswerConfirmation, CancelMission, RunScript, StartMission
from cloud.planning.planner import Action, RunOnDevice, SetReminder
from cloud.planning.time_phrases import spoken_time
from cloud.store import outbox, traces
from cloud.store.devices import ONLINE_WITHIN_S
from cloud.weather.plans import Weather
from models import Envelope, Reply, Utterance, new_id
from models.wording import join_words

log = structlog.get_logger(__name__)

NO_WEATHER_TEXT = "Sorry, I can't get the weather from here."


async def carry_out(
    conn: asyncpg.Connection,
    action: Action,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str | None = None,
) -> None:
    """Apply ``action`` for the request ``utterance`` from ``device_id``; ``message_id`` (the
    request envelope's id) keys the mission a request may start."""
    text: str | None
    follow_up_at: float | None = None
    if isinstance(action, SetReminder):
        text = await _set_reminder(conn, action, device_id, utterance, trace_id)
        follow_up_at = action.due_at.timestamp()
    elif isinstance(action, RunOnDevice):
        text = await _run_on_device(conn, action, device_id, utterance, trace_id)
    elif isinstance(action, StartMission | RunScript | AnswerConfirmation | CancelMission):
        text = await mission_skills.carry_out(
            conn,
            action,
            device_id=device_id,
            utterance=utterance,
            trace_id=trace_id,
            message_id=message_id,
        )
    elif isinstance(action, Weather):
        # The request path says the weather before it stores anything (no transaction waits on
        # the provider); a weather action reaching here had no provider to ask.
        text = NO_WEATHER_TEXT
    else:
        text = action.text
    await traces.record(
        conn,
        trace_id,
        f"planned.{type(action).__name__}",
        device_id=device_id,
        detail={"utterance_id": utterance.id, "reply": text},
    )
    if text is not None:
        reply = Reply(text=text, utterance_id=utterance.id, kind="reply", follow_up_at=follow_up_at)
        await outbox.enqueue_reply(conn, device_id, reply, trace_id=trace_id)


async def _set_reminder(
    conn: asyncpg.Connection,
    action: SetReminder,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
) -> str:
    await reminders.store(
        conn,
        device_id=device_id,
        text=action.text,
        due_at=action.due_at,
        utterance_id=utterance.id,
        trace_id=trace_id,
    )
    now = await conn.fetchval("SELECT now()")
    when = spoken_time(action.due_at, now.astimezone(action.due_at.tzinfo))
    connector = "" if action.text.startswith(("that ", "about ")) else "to "
    if action.due_at <= now:
        # Asked while the cloud was out of reach, and due meanwhile: the reminder comes now.
        return f"Okay, I'll remind you {connector}{action.text} right away: it was due {when}."
    return f"Okay, I'll remind you {connector}{action.text} {when}."


async def _run_on_device(
    conn: asyncpg.Connection,
    action: RunOnDevice,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
) -> str | None:
    """Queue the command for the target; None when the result itself will be the reply."""
    target = await conn.fetchrow(
        "SELECT id, name, (id = $2 OR (connected_instance IS NOT NULL"
        f" AND last_seen > now() - interval '{ONLINE_WITHIN_S} s')) AS online"
        " FROM devices WHERE lower(name) = lower($1) AND revoked_at IS NULL",
        action.device_name,
        device_id,
    )
    if target is None:
        names = await conn.fetch(
            "SELECT name FROM devices WHERE revoked_at IS NULL ORDER BY lower(name)"
        )
        return unknown_device_text(action.device_name, [row["name"] for row in names])
    request_id = new_id()
    await conn.execute(
        "INSERT INTO device_commands (request_id, target_device_id, text, reply_to_device_id,"
        " reply_to_utterance_id, trace_id) VALUES ($1, $2, $3, $4, $5, $6)",
        request_id,
        target["id"],
        action.text,
        device_id,
        utterance.id,
        trace_id,
    )
    body = {
        "request_id": request_id,
        "text": action.text,
        "reply_to": {"device_id": device_id, "utterance_id": utterance.id},
    }
    await outbox.enqueue(conn, target["id"], Envelope(type="command", body=body, trace_id=trace_id))
    if target["online"]:
        return None
    return (
        f"The {target['name']} is offline right now. I'll send it “{action.text}” when it is "
        "back and tell you what it says."
    )


def unknown_device_text(name: str, known: Sequence[str]) -> str:
    text = f"I don't know a device called {name}."
    if not known:
        return text
    return f"{text} Your devices are: {join_words(known)}."


async def complete_command(
    conn: asyncpg.Connection, *, device_id: str, request_id: str, text: str, trace_id: str
) -> bool:
    """Store a command's result and queue it as the asker's reply; False if not ours or done."""
    row = await conn.fetchrow(
        "UPDATE device_commands SET completed_at = now(), result_text = $3"
        " WHERE request_id = $1 AND target_device_id = $2 AND completed_at IS NULL"
        " RETURNING reply_to_device_id, reply_to_utterance_id, trace_id",
        request_id,
        device_id,
        text,
    )
    if row is None:
        return False
    reply = Reply(text=text, utterance_id=row["reply_to_utterance_id"], kind="reply")
    await outbox.enqueue_reply(conn, row["reply_to_device_id"], reply, trace_id=row["trace_id"])
    return True

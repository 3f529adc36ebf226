"""Carrying out the planner's mission actions inside the request's transaction.

Starting a mission stores it and routes it; while a worker runs it the asker hears nothing more
until the result (which becomes the reply). Privacy actions on a device far from the asker, or
whose distance is unknown, first ask for a yes: the question's reply carries
``"awaiting_confirmation": true`` so the edge sends its next yes or no here.
"""

from __future__ import annotations

import asyncpg
import structlog

from cloud.missions import cancel as mission_cancel
from cloud.missions import lifecycle as missions
from cloud.missions import routing, scripts
from cloud.missions.plans import (
    AnswerConfirmation,
    CancelMission,
    MissionAction,
    RunScript,
    StartMission,
    StepPlan,
)
from cloud.store import outbox
from models import Envelope, Location, Reply, Utterance
from models.missions import MissionKind
from models.wording import join_words

log = structlog.get_logger(__name__)

CONFIRM_WITHIN_S = 60
QUEUED_TEXT = "No device that can do that is online; I'll start it as soon as one connects."
NOTHING_TO_CONFIRM_TEXT = "There's nothing to confirm."
DECLINED_TEXT = "Okay, I won't."


async def carry_out(
    conn: asyncpg.Connection,
    action: MissionAction,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str | None,
) -> str | None:
    """What the asker hears now; None when nothing (the mission's result will be the reply, or
    the reply was queued here)."""
    key = f"request:{message_id or utterance.id}"
    if isinstance(action, CancelMission):
        return await mission_cancel.cancel_for_asker(conn, action, device_id, utterance, trace_id)
    if isinstance(action, AnswerConfirmation):
        return await _answer_confirmation(conn, action.yes, device_id, utterance)
    if isinstance(action, RunScript):
        spec = await _script_mission(conn, action)
        if isinstance(spec, str):
            return spec
        return await _start(conn, spec, device_id, utterance, trace_id, key)
    return await _start(conn, action, device_id, utterance, trace_id, key)


async def _script_mission(conn: asyncpg.Connection, action: RunScript) -> StartMission | str:
    script = await scripts.get_script(conn, action.name)
    if script is None:
        known = [each.name for each in await scripts.list_scripts(conn)]
        text = f"I don't know a script called {action.name}."
        if known:
            return f"{text} Your scripts are: {join_words(known)}."
        return f"{text} Add one with: jarvis cloud script add {action.name} FILE."
    steps = [StepPlan("create_venv")]
    if script.packages:
        steps.append(StepPlan("install_deps", {"packages": " ".join(script.packages)}))
    steps.append(StepPlan("run_code", {"code": script.code}))
    return StartMission(
        kind=MissionKind.PYTHON,
        steps=tuple(steps),
        capabilities=frozenset({"python"}),
        summary=f"run the {script.name} script",
        device_name=action.device_name,
    )


async def _start(
    conn: asyncpg.Connection,
    spec: StartMission,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    key: str,
) -> str | None:
    targeted = await _target(conn, spec)
    if isinstance(targeted, str):
        return targeted
    spec, target = targeted
    if target is None and spec.is_privacy_action:
        # A privacy action without a device named happens on the device that asked.
        target = await conn.fetchrow(
            "SELECT id, name, capabilities, lat, lon FROM devices WHERE id = $1", device_id
        )
        spec = _named(spec, target["name"])
    if spec.is_privacy_action and target is not None and target["id"] != device_id:
        question = await _distance_question(conn, spec, target, device_id)
        if question is not None:
            await _ask(conn, spec, question, device_id, utterance, trace_id, key)
            return None
    return await _create(conn, spec, device_id, utterance, trace_id, key)


async def submit(
    conn: asyncpg.Connection,
    spec: StartMission,
    *,
    requested_by: str | None,
    trace_id: str,
    idempotency_key: str,
) -> missions.Created | str:
    """An admin's mission: the named device is checked as for a spoken one, then the mission
    is stored and routed; the text says why not (unknown device, missing capability). The admin
    token is the typed confirmation, so a privacy action asks nobody."""
    targeted = await _target(conn, spec)
    if isinstance(targeted, str):
        return targeted
    return await missions.create(
        conn,
        targeted[0],
        requested_by=requested_by,
        utterance_id=None,
        trace_id=trace_id,
        idempotency_key=idempotency_key,
    )


async def _target(
    conn: asyncpg.Connection, spec: StartMission
) -> tuple[StartMission, asyncpg.Record | None] | str:
    """The spec with the named device's own spelling, and that device; a text when it is
    unknown or lacks a capability; ``(spec, None)`` when no device is named."""
    if spec.device_name is None:
        return spec, None
    target = await conn.fetchrow(
        "SELECT id, name, capabilities, lat, lon FROM devices"
        " WHERE lower(name) = lower($1) AND revoked_at IS NULL",
        spec.device_name,
    )
    if target is None:
        return await _unknown_device(conn, spec.device_name)
    missing = sorted(spec.capabilities - set(target["capabilities"]))
    if missing:
        return f"The {target['name']} can't do that: it has no {join_words(missing, 'or')}."
    return _named(spec, target["name"]), target


def _named(spec: StartMission, name: str) -> StartMission:
    return StartMission(
        kind=spec.kind,
        steps=spec.steps,
        capabilities=spec.capabilities,
        summary=spec.summary,
        device_name=name,
        confirm_beyond_km=spec.confirm_beyond_km,
    )


async def _create(
    conn: asyncpg.Connection,
    spec: StartMission,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    key: str,
) -> str | None:
    created = await missions.create(
        conn,
        spec,
        requested_by=device_id,
        utterance_id=utterance.id,
        trace_id=trace_id,
        idempotency_key=key,
    )
    if created.duplicate or created.worker is not None:
        return None
    if spec.device_name is not None:
        return f"The {spec.device_name} is offline right now; I'll start it as soon as it is back."
    return QUEUED_TEXT


async def _distance_question(
    conn: asyncpg.Connection, spec: StartMission, target: asyncpg.Record, device_id: str
) -> str | None:
    """The question to ask before a privacy action on ``target``; None when it is near."""
    here = await routing.device_location(conn, device_id)
    there = routing.location_of(target)
    if here is None or there is None:
        return f"I don't know how far the {target['name']} is. Say yes to confirm."
    distance_km = Location.distance_km(here, there)
    if distance_km <= spec.confirm_beyond_km:
        return None
    return f"The {target['name']} is {round(distance_km)} km away. Say yes to confirm."


async def _ask(
    conn: asyncpg.Connection,
    spec: StartMission,
    question: str,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    key: str,
) -> None:
    await conn.execute(
        "INSERT INTO pending_confirmations (device_id, spec, request_id, trace_id, expires_at)"
        " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))"
        " ON CONFLICT (device_id) DO UPDATE SET spec = excluded.spec,"
        " request_id = excluded.request_id, trace_id = excluded.trace_id,"
        " created_at = now(), expires_at = excluded.expires_at",
        device_id,
        spec.to_json(),
        key,
        trace_id,
        float(CONFIRM_WITHIN_S),
    )
    body = {
        **Reply(text=question, utterance_id=utterance.id, kind="reply").to_wire(),
        "awaiting_confirmation": True,
    }
    await outbox.enqueue(conn, device_id, Envelope(type="reply", body=body, trace_id=trace_id))
    log.info("privacy action awaits confirmation", summary=spec.summary)


async def _answer_confirmation(
    conn: asyncpg.Connection, yes: bool, device_id: str, utterance: Utterance
) -> str | None:
    row = await conn.fetchrow(
        "DELETE FROM pending_confirmations WHERE device_id = $1"
        " RETURNING spec, request_id, trace_id, expires_at > now() AS live",
        device_id,
    )
    if row is None or not row["live"]:
        return NOTHING_TO_CONFIRM_TEXT
    if not yes:
        return DECLINED_TEXT
    spec = StartMission.from_json(row["spec"])
    # The mission answers the yes: its result is the reply to that utterance.
    return await _create(conn, spec, device_id, utterance, row["trace_id"], row["request_id"])


async def _unknown_device(conn: asyncpg.Connection, name: str) -> str:
    rows = await conn.fetch(
        "SELECT name FROM devices WHERE revoked_at IS NULL ORDER BY lower(name)"
    )
    text = f"I don't know a device called {name}."
    known = [row["name"] for row in rows]
    return f"{text} Your devices are: {join_words(known)}." if known else text

"""Carrying out the planner's mission actions inside the request's transaction.

Starting a mission stores it and routes it; while a worker runs it the asker hears nothing more
until the result (which becomes the reply). Privacy actions on a device far from the asker, or
whose distance is unknown, first ask for a yes: the question's reply carries
``"awaiting_confirmation": true`` so the edge sends its next yes or no here.
"""

from __future__ import annotations

import asyncpg
import structlog

from cloud.missions import lifecycle as missions
from cloud.missions import routing, scripts
from cloud.missions.plans import StartMission, StepPlan
from cloud.store import confirmations, device_state, outbox
from models import Location, Reply, Utterance, messages
from models.missions import MissionKind
from models.wording import join_words, unknown_device_text

log = structlog.get_logger(__name__)

CONFIRM_WITHIN_S = 60
QUEUED_TEXT = "No device that can do that is online; I'll start it as soon as one connects."
NOTHING_TO_CONFIRM_TEXT = "There's nothing to confirm."
DECLINED_TEXT = "Okay, I won't."


def request_key(message_id: str | None, utterance: Utterance) -> str:
    """The idempotency key of the mission a request starts: its envelope's id."""
    return f"request:{message_id or utterance.id}"


async def start(
    conn: asyncpg.Connection,
    spec: StartMission,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str | None,
) -> str | None:
    """Start the mission a request asks for (after a yes, for a far privacy action). What the
    asker hears now; None when nothing (its result will be the reply, or a question was
    queued here)."""
    key = request_key(message_id, utterance)
    return await _start(conn, spec, device_id, utterance, trace_id, key)


async def run_script(
    conn: asyncpg.Connection,
    name: str,
    device_name: str | None,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str | None,
) -> str | None:
    """Start the named script as a Python mission; a text when there is no such script."""
    spec = await _script_mission(conn, name, device_name)
    if isinstance(spec, str):
        return spec
    key = request_key(message_id, utterance)
    return await _start(conn, spec, device_id, utterance, trace_id, key)


async def _script_mission(
    conn: asyncpg.Connection, name: str, device_name: str | None
) -> StartMission | str:
    script = await scripts.get_script(conn, name)
    if script is None:
        known = [each.name for each in await scripts.list_scripts(conn)]
        text = f"I don't know a script called {name}."
        if known:
            return f"{text} Your scripts are: {join_words(known)}."
        return f"{text} Add one with: jarvis cloud script add {name} FILE."
    steps = [StepPlan("create_venv")]
    if script.packages:
        steps.append(StepPlan("install_deps", {"packages": " ".join(script.packages)}))
    steps.append(StepPlan("run_code", {"code": script.code}))
    return StartMission(
        kind=MissionKind.PYTHON,
        steps=tuple(steps),
        capabilities=frozenset({"python"}),
        summary=f"run the {script.name} script",
        device_name=device_name,
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
        target = await device_state.target_by_id(conn, device_id)
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
    target = await device_state.target_by_name(conn, spec.device_name)
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
    await confirmations.ask(
        conn,
        device_id,
        spec=spec.to_json(),
        request_id=key,
        trace_id=trace_id,
        within_s=CONFIRM_WITHIN_S,
    )
    question_reply = Reply(question, utterance.id, kind="reply", awaiting_confirmation=True)
    await outbox.enqueue(conn, device_id, messages.envelope(question_reply, trace_id=trace_id))
    log.info("privacy action awaits confirmation", summary=spec.summary)


async def answer_confirmation(
    conn: asyncpg.Connection, yes: bool, device_id: str, utterance: Utterance
) -> str | None:
    """Start (yes) or drop (no) the mission waiting for the asker's confirmation."""
    asked = await confirmations.take(conn, device_id)
    if asked is None or not asked.live:
        return NOTHING_TO_CONFIRM_TEXT
    if not yes:
        return DECLINED_TEXT
    spec = StartMission.from_json(asked.spec)
    # The mission answers the yes: its result is the reply to that utterance.
    return await _create(conn, spec, device_id, utterance, asked.trace_id, asked.request_id)


async def _unknown_device(conn: asyncpg.Connection, name: str) -> str:
    return unknown_device_text(name, await device_state.valid_names(conn))

"""Missions from words: browser missions, registered scripts, privacy actions on a device, the
yes or no a privacy action waits for, and cancelling one ("cancel my backup script").

The mission domain (its spec, routing, lifecycle, confirmations) lives in ``cloud.missions``;
this module is what the planners and the dispatch see of it: one rule (``plan_mission``: URLs
and paths keep their case, so it reads the words as said), read before any language model is
asked, and a carry_out per action type. No language-model tool: a privacy action must not
depend on how a model read the sentence.
"""

from __future__ import annotations

from cloud.capabilities.capability import Asked, Capability, Handles, Request, View
from cloud.missions import cancel, carry_out
from cloud.missions.plans import (
    AnswerConfirmation,
    CancelMission,
    MissionAction,
    RunScript,
    StartMission,
    plan_mission,
)


def read(asked: Asked) -> MissionAction | None:
    return plan_mission(
        asked.said, asked.context.device_names, privacy_distance_km=asked.privacy_distance_km
    )


async def _start(request: Request, action: StartMission) -> str | None:
    return await carry_out.start(
        request.conn,
        action,
        device_id=request.device_id,
        utterance=request.utterance,
        trace_id=request.trace_id,
        message_id=request.message_id,
    )


async def _run_script(request: Request, action: RunScript) -> str | None:
    return await carry_out.run_script(
        request.conn,
        action,
        device_id=request.device_id,
        utterance=request.utterance,
        trace_id=request.trace_id,
        message_id=request.message_id,
    )


async def _confirm(request: Request, action: AnswerConfirmation) -> str | None:
    return await carry_out.answer_confirmation(
        request.conn, action.yes, request.device_id, request.utterance
    )


async def _cancel(request: Request, action: CancelMission) -> str | None:
    return await cancel.cancel_for_asker(
        request.conn, action, request.device_id, request.utterance, request.trace_id
    )


def _present(**values: object) -> dict[str, object]:
    return {key: value for key, value in values.items() if value is not None}


def _describe_start(action: StartMission) -> View:
    return View(
        "start_mission",
        _present(kind=action.kind.value, summary=action.summary, device=action.device_name),
    )


def _describe_script(action: RunScript) -> View:
    return View("run_script", _present(name=action.name, device=action.device_name))


def _describe_cancel(action: CancelMission) -> View:
    return View("cancel_mission", _present(name=action.name, device=action.device_name))


def _describe_confirmation(action: AnswerConfirmation) -> View:
    # A yes or no to a mission waiting for one: answered, in its own words, then.
    return View("answer", {"yes": action.yes})


CAPABILITY = Capability(
    name="missions",
    handles=(
        Handles(StartMission, carry_out=_start, describe=_describe_start),
        Handles(RunScript, carry_out=_run_script, describe=_describe_script),
        Handles(AnswerConfirmation, carry_out=_confirm, describe=_describe_confirmation),
        Handles(CancelMission, carry_out=_cancel, describe=_describe_cancel),
    ),
    rule=read,
    ruled_only=True,
)

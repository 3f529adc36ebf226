"""What the cloud would do with a forwarded request, without doing it (``jarvis cloud plan``).

The same decision as the request path (``cloud.requests.hot_path``): the planner's rules first,
then the second chance when they found nothing to do. Nothing is stored, queued or asked of the
weather provider; the database is only read (the enrolled devices' names and intents).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from cloud.missions.plans import AnswerConfirmation, CancelMission, RunScript, StartMission
from cloud.planning.planner import (
    Action,
    Answer,
    PlanContext,
    Planner,
    RunOnDevice,
    SetReminder,
)
from cloud.planning.second_chance import SecondChance, SendBack, intents_of_device, reconsider
from cloud.store import device_state
from cloud.weather.plans import Weather
from models import Utterance, new_id


async def plan_text(
    pool: asyncpg.Pool,
    text: str,
    *,
    planner: Planner,
    now: datetime,
    second_chance: SecondChance | None,
    handled: Collection[str],
    device: str | None = None,
) -> dict[str, Any]:
    """The contract object for ``text``: ``action``, ``intent``, ``slots``, ``reply``,
    ``elapsed_ms`` (planning only: the model is loaded before the clock starts).

    ``handled``: the intents the asking device runs, when no enrolled ``device`` (a name or
    id) is given to read them from. LookupError for an unknown ``device``."""
    names = await device_state.valid_names(pool)
    if device is not None:
        device_id = await device_state.valid_id(pool, device)
        if device_id is None:
            raise LookupError(f"No enrolled device {device!r}.")
        handled = await intents_of_device(pool, device_id)
    if second_chance is not None:
        await second_chance.model()
    intents = frozenset(handled)

    async def asking_device_runs() -> Collection[str]:
        return intents

    started = time.perf_counter()
    utterance = Utterance(id=new_id(), text=text, trace_id=new_id(), ts=now.timestamp())
    action: Action | SendBack = await planner.plan(utterance, PlanContext(now, names))
    if isinstance(action, Answer) and action.unknown:
        action = await reconsider(second_chance, text, asking_device_runs) or action
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {**describe(action), "elapsed_ms": elapsed_ms}


def describe(action: Action | SendBack) -> dict[str, Any]:
    """``action`` as the contract says: its kind, the intent, its slots, what would be said."""
    intent: str | None = None
    slots: dict[str, Any] = {}
    reply: str | None = None
    match action:
        case Answer(text=text, unknown=unknown):
            kind = "unknown" if unknown else "answer"
            reply = text
        case SetReminder():
            kind = "set_reminder"
            slots = {"text": action.text, "due_at": action.due_at.isoformat()}
        case RunOnDevice():
            kind = "run_on_device"
            slots = {"device": action.device_name, "text": action.text}
        case StartMission():
            kind = "start_mission"
            slots = _present(
                kind=action.kind.value, summary=action.summary, device=action.device_name
            )
        case RunScript():
            kind = "run_script"
            slots = _present(name=action.name, device=action.device_name)
        case CancelMission():
            kind = "cancel_mission"
            slots = _present(name=action.name, device=action.device_name)
        case AnswerConfirmation():
            # A yes or no to a mission waiting for one: answered, in its own words, then.
            kind = "answer"
            slots = {"yes": action.yes}
        case Weather():
            kind = "weather"
            intent = action.intent
            slots = dict(action.slots)
        case SendBack():
            kind = "device_intent"
            intent = action.intent
    return {"action": kind, "intent": intent, "slots": slots, "reply": reply}


def _present(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}

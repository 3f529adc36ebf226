"""What the cloud would do with a forwarded request, without doing it (``jarvis cloud plan``).

The same decision as the request path (``cloud.requests.hot_path``): the planner's rules first,
then the second chance when they found nothing to do. Nothing is stored, queued or asked of the
weather provider; the database is only read (the enrolled devices' names and intents). Each
action is described by its own capability (``describe`` in the capability table).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from datetime import datetime
from typing import Any

import asyncpg

from cloud.capabilities.answer import Answer
from cloud.capabilities.capability import Registry, View
from cloud.capabilities.registry import REGISTRY
from cloud.planning.planner import Action, PlanContext, Planner
from cloud.planning.second_chance import SecondChance, SendBack, intents_of_device, reconsider
from cloud.store import device_state
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


def describe(action: Action | SendBack, registry: Registry = REGISTRY) -> dict[str, Any]:
    """``action`` as the contract says: its kind, the intent, its slots, what would be said."""
    if isinstance(action, SendBack):
        view = View("device_intent", intent=action.intent)
    else:
        view = registry.handles(action).describe(action)
    return view.to_json()

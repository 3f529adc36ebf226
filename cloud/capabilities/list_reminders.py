"""List reminders: "what reminders do I have", "read me my reminders".

The pending reminders of every enrolled device, soonest first, said in the asker's time zone;
one set on another device says which. At most ``MAX_SPOKEN`` are read out (a reply is heard,
not scrolled), with how many there are in all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cloud.capabilities.capability import Asked, Capability, Handles, Request, Tool, View
from cloud.capabilities.set_reminder import said_back
from cloud.planning.planner import PlanContext
from cloud.store import reminders as stored_reminders
from cloud.time_phrases import spoken_time

MAX_SPOKEN = 5
NONE_TEXT = "You have no reminders set."


@dataclass(frozen=True, slots=True)
class ListReminders:
    """Say which reminders are waiting, and when each is due."""

    asked_at: datetime
    """Aware, in the asking device's time zone: the reply says times on its clock."""


_LIST = re.compile(
    r"(?:please )?(?:"
    r"(?:what|which) (?:are )?(?:all )?(?:my |the )?reminders"
    r"(?: do i have| have i (?:got|set)| are (?:there|set|pending|coming up))?(?: set)?"
    r"|(?:list|read|show|tell|give)(?: me)? (?:all )?(?:of )?(?:my|the) reminders"
    r"|do i have any reminders(?: set)?"
    r"|my reminders"
    r")"
)


def read(asked: Asked) -> ListReminders | None:
    return ListReminders(asked.context.now) if _LIST.fullmatch(asked.text) else None


def _from_tool(values: Mapping[str, str], context: PlanContext) -> ListReminders:
    return ListReminders(context.now)


async def _carry_out(request: Request, action: ListReminders) -> str:
    listed = await stored_reminders.pending(request.conn, limit=MAX_SPOKEN)
    if not listed.first:
        return NONE_TEXT
    zone = action.asked_at.tzinfo
    now = listed.now.astimezone(zone)
    items = []
    for reminder in listed.first:
        due_at = reminder.due_at.astimezone(zone)
        when = "now" if due_at <= now else spoken_time(due_at, now)
        where = (
            "" if reminder.device_id == request.device_id else f", on the {reminder.device_name}"
        )
        items.append(f"{said_back(reminder.text)} {when}{where}")
    if listed.total == 1:
        return f"You have one reminder: {items[0]}."
    if listed.total > len(items):
        return f"You have {listed.total} reminders; the next {len(items)}: {'; '.join(items)}."
    return f"You have {listed.total} reminders: {'; '.join(items)}."


def _describe(action: ListReminders) -> View:
    return View("list_reminders")


CAPABILITY = Capability(
    name="list_reminders",
    handles=(Handles(ListReminders, carry_out=_carry_out, describe=_describe),),
    rule=read,
    tools=(
        Tool(
            "list_reminders",
            "Read the user's pending reminders to them, and when each is due.",
            {},
            _from_tool,
        ),
    ),
)

"""Set a reminder: "remind me in 10 minutes to stretch", "remind me to call mum at 6 pm".

Stored in the request's transaction (``cloud.capabilities.reminders`` keeps them and hands them
to the outbox when due); the reply says when, and opens a follow-up window at that time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from cloud.capabilities import reminders
from cloud.capabilities.answer import Answer
from cloud.capabilities.capability import Asked, Capability, Handles, Request, Tool, View
from cloud.errors import PlannerError
from cloud.planning.as_said import head_as_said, tail_as_said
from cloud.planning.language_model import STRING
from cloud.planning.planner import PlanContext
from cloud.store import database
from cloud.time_phrases import WHEN, normalize, parse_when, spoken_time


@dataclass(frozen=True, slots=True)
class SetReminder:
    text: str
    """What to remind of, from the listener's side: "call your sister" (a verb phrase), or
    "that the oven is on" / "about the meeting" (kept with its connector)."""
    due_at: datetime


NO_TIME_TEXT = (
    "When should I remind you? Say it with a time, like “remind me in 10 minutes to stretch”."
)
NO_TASK_TEXT = (
    "What should I remind you of? Say it all at once, like “remind me in 10 minutes to stretch”."
)

_REMIND = re.compile(r"(?:please\s+)?remind me\s+(?P<rest>.+)")
_REMIND_SAID = re.compile(r"(?:\W*\w+\W+){0,3}?remind\s+me\W+(?:to\s+)?", re.IGNORECASE)
"""Up to the reminder's words in the request as said ("Jarvis, please remind me to ")."""
_WHEN_ONLY = re.compile(WHEN)
_WHEN_FIRST = re.compile(rf"(?P<when>{WHEN}),?\s+(?:to\s+)?(?P<what>.+)")
_WHEN_LAST = re.compile(rf"(?:to\s+)?(?P<what>.+?),?\s+(?P<when>{WHEN})")
_SWAPS = {"my": "your", "me": "you", "myself": "yourself", "mine": "yours", "i": "you"}


def read(asked: Asked) -> SetReminder | Answer | None:
    remind = _REMIND.fullmatch(asked.text)
    if remind is None:
        return None
    return plan_reminder(remind.group("rest"), asked.context.now, said=asked.said)


def plan_reminder(rest: str, now: datetime, *, said: str | None = None) -> SetReminder | Answer:
    """ "in 10 minutes to stretch" or "to stretch in 10 minutes" → a SetReminder.

    ``rest`` is normalized; ``said`` (the whole request as said) gives back the reminder's own
    words with their case and punctuation ("call Dr. O'Brien")."""
    if _WHEN_ONLY.fullmatch(rest):
        return Answer(NO_TASK_TEXT)
    for pattern in (_WHEN_FIRST, _WHEN_LAST):
        match = pattern.fullmatch(rest)
        if match is None:
            continue
        due_at = parse_when(match.group("when"), now)
        if due_at is not None:
            what = match.group("what")
            if said is not None:
                what = _what_as_said(what, said, when_first=pattern is _WHEN_FIRST)
            return SetReminder(text=for_listener(what), due_at=due_at)
    return Answer(NO_TIME_TEXT)


def _what_as_said(what: str, said: str, *, when_first: bool) -> str:
    if when_first:
        return tail_as_said(what, said, normalize)
    # "remind me to X at 9": X is the head of what follows "remind me (to)".
    after = _REMIND_SAID.match(said.strip())
    return head_as_said(what, said.strip()[after.end() :] if after else said, normalize)


def for_listener(text: str) -> str:
    """ "call my sister" → "call your sister": the reminder is said back to the person."""
    return " ".join(_SWAPS.get(word.lower(), word) for word in text.split())


def _from_tool(values: Mapping[str, str], context: PlanContext) -> SetReminder | None:
    text, when = values.get("text"), values.get("when")
    if not (text and when):
        return None
    due_at = parse_when(when, context.now)
    if due_at is None:
        raise PlannerError(f"set_reminder: cannot read the time {when!r}")
    return SetReminder(text=text, due_at=due_at)


async def _carry_out(request: Request, action: SetReminder) -> str:
    conn = request.conn
    await reminders.store(
        conn,
        device_id=request.device_id,
        text=action.text,
        due_at=action.due_at,
        utterance_id=request.utterance.id,
        trace_id=request.trace_id,
    )
    now = await database.now(conn)
    when = spoken_time(action.due_at, now.astimezone(action.due_at.tzinfo))
    if action.due_at <= now:
        # Asked while the cloud was out of reach, and due meanwhile: the reminder comes now.
        return f"Okay, I'll remind you {said_back(action.text)} right away: it was due {when}."
    return f"Okay, I'll remind you {said_back(action.text)} {when}."


def said_back(text: str) -> str:
    """A reminder's words as they follow "remind you": "to stretch", "that the oven is on"."""
    return text if text.startswith(("that ", "about ")) else f"to {text}"


def _describe(action: SetReminder) -> View:
    return View("set_reminder", {"text": action.text, "due_at": action.due_at.isoformat()})


def _follow_up_at(action: SetReminder) -> float:
    return action.due_at.timestamp()


CAPABILITY = Capability(
    name="set_reminder",
    handles=(
        Handles(SetReminder, carry_out=_carry_out, describe=_describe, follow_up_at=_follow_up_at),
    ),
    rule=read,
    tools=(
        Tool(
            "set_reminder",
            "Remind the user later. `when` is a spoken time: 'in 10 minutes', 'at 6 pm', "
            "'tomorrow at 9'. `text` is what to remind of, addressed to the user "
            "('call your sister').",
            {"text": STRING, "when": STRING},
            _from_tool,
        ),
    ),
)

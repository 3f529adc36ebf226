"""The rule planner: reminders, commands for other devices, and honest answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cloud.capabilities.answer import Answer
from cloud.capabilities.device_commands import RunOnDevice
from cloud.capabilities.overview import HELP_TEXT
from cloud.capabilities.planners import RulePlanner
from cloud.capabilities.set_reminder import NO_TASK_TEXT, NO_TIME_TEXT, SetReminder
from cloud.planning.cant import cant_reply
from cloud.planning.planner import PlanContext
from models import Utterance

NOW = datetime(2026, 3, 10, 14, 5, tzinfo=ZoneInfo("UTC"))
CONTEXT = PlanContext(now=NOW, device_names=["Kitchen Pi", "office laptop", "kitchen pi 2"])


async def plan(text: str) -> object:
    return await RulePlanner().plan(Utterance(id="u", text=text, trace_id="t"), CONTEXT)


@pytest.mark.parametrize(
    ("text", "what", "due_at"),
    [
        ("remind me in 10 minutes to stretch", "stretch", NOW + timedelta(minutes=10)),
        ("Remind me in ten minutes to stretch.", "stretch", NOW + timedelta(minutes=10)),
        ("remind me to stretch in 10 minutes", "stretch", NOW + timedelta(minutes=10)),
        ("remind me at 6 pm to call my sister", "call your sister", NOW.replace(hour=18, minute=0)),
        ("remind me to call my sister at 6 pm", "call your sister", NOW.replace(hour=18, minute=0)),
        (
            "remind me tomorrow at 9 to take out the trash",
            "take out the trash",
            NOW.replace(day=11, hour=9, minute=0),
        ),
    ],
)
async def test_reminders_are_understood(text: str, what: str, due_at: datetime) -> None:
    """Reminder phrasings with the time first or last become one SetReminder."""
    assert await plan(text) == SetReminder(text=what, due_at=due_at)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("remind me in 10 minutes to call Dr. O'Brien", "call Dr. O'Brien"),
        ("Remind me to buy Ben & Jerry's at 6 pm.", "buy Ben & Jerry's"),
        ("remind me tomorrow to plan Jean-Luc's party!", "plan Jean-Luc's party"),
        ("remind me to call My sister at 555-1234 in ten minutes", "call your sister at 555-1234"),
        ("remind me tomorrow at 9 to buy three Apples", "buy three Apples"),
    ],
)
async def test_reminder_text_is_kept_as_said(text: str, what: str) -> None:
    """The reminder's own words keep their case, digits and punctuation; only "my" turns."""
    planned = await plan(text)
    assert isinstance(planned, SetReminder)
    assert planned.text == what


async def test_reminder_without_a_time_asks_for_one() -> None:
    """A reminder with no readable time is not guessed: Jarvis asks when (or what)."""
    assert await plan("remind me to stretch") == Answer(NO_TIME_TEXT)
    assert await plan("remind me in 10 minutes") == Answer(NO_TASK_TEXT)


async def test_reminder_that_keeps_its_connector() -> None:
    """ "remind me that…" keeps "that" so the reply can say "remind you that…"."""
    assert await plan("remind me in 5 minutes that the oven is on") == SetReminder(
        text="that the oven is on", due_at=NOW + timedelta(minutes=5)
    )


@pytest.mark.parametrize(
    ("text", "device", "command"),
    [
        ("on the kitchen pi set a timer for 5 minutes", "kitchen pi", "set a timer for 5 minutes"),
        ("on kitchen pi, set a timer for five minutes", "kitchen pi", "set a timer for 5 minutes"),
        ("on the kitchen pi 2 pause the music", "kitchen pi 2", "pause the music"),
        ("ask the office laptop what time it is", "office laptop", "what time is it"),
        ("tell the office laptop to pause the music", "office laptop", "pause the music"),
        ("on the garage pi turn it up", "garage pi", "turn it up"),
    ],
)
async def test_commands_for_devices_are_split(text: str, device: str, command: str) -> None:
    """A named device (the longest enrolled match, or a device-like name) and its command."""
    assert await plan(text) == RunOnDevice(device_name=device, text=command)


@pytest.mark.parametrize("text", ["help", "What can you do?"])
async def test_help_lists_what_is_possible(text: str) -> None:
    """Asking for help gets the list of what the cloud and the device can do."""
    assert await plan(text) == Answer(HELP_TEXT)


@pytest.mark.parametrize(
    "text", ["what is the capital of peru", "tell me a joke", "ask my wife what she wants"]
)
async def test_unknown_requests_get_an_honest_answer(text: str) -> None:
    """Anything else is answered honestly and briefly, never with an invented answer."""
    assert await plan(text) == Answer(cant_reply(text), unknown=True)

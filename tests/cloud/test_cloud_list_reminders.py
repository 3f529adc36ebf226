"""Listing reminders, the capability added as one module and one registry line: its rule, its
language-model tool call and its carry_out, on the real PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from chat_completions import FakeChatCompletions
from cloud_helpers import CloudFactory

from cloud.capabilities.list_reminders import NONE_TEXT, ListReminders
from cloud.capabilities.plan_view import plan_text
from cloud.capabilities.planners import RulePlanner
from cloud.planning.planner import PlanContext
from models import Utterance, new_id

NOW = datetime(2026, 3, 10, 14, 5, tzinfo=UTC)
CLOCK = r"\d{1,2}:\d\d [AP]M"
"""A time as replies say it ("3:15 PM"); the hour depends on when the test runs."""


async def _plan(text: str) -> object:
    context = PlanContext(NOW, ["kitchen pi"])
    return await RulePlanner().plan(Utterance(id="u", text=text, trace_id="t"), context)


@pytest.mark.parametrize(
    "text",
    [
        "What reminders do I have?",
        "what are my reminders",
        "Which reminders are set",
        "read me my reminders",
        "list all my reminders",
        "please show me the reminders",
        "do I have any reminders",
        "what reminders have I set",
    ],
)
async def test_the_rule_reads_ways_of_asking(text: str) -> None:
    """Asking for one's reminders, in several wordings, lists them, in the asker's time."""
    assert await _plan(text) == ListReminders(NOW)


@pytest.mark.parametrize(
    "text", ["remind me to read my reminders in 10 minutes", "what is a reminder"]
)
async def test_the_rule_leaves_other_sentences(text: str) -> None:
    """Setting a reminder about reminders, or a question about the word, is not a listing."""
    assert not isinstance(await _plan(text), ListReminders)


async def test_pending_reminders_are_listed_soonest_first(clouds: CloudFactory) -> None:
    """Every device's pending reminders, soonest first, naming the device when it is not the
    asker's; a delivered one is not listed."""
    cloud = await clouds.start()
    kitchen_id, kitchen_token = await clouds.enroll("kitchen pi")
    office_id, office_token = await clouds.enroll("office laptop")
    kitchen, _ = await clouds.connect(cloud, kitchen_id, kitchen_token)
    office, _ = await clouds.connect(cloud, office_id, office_token)
    await kitchen.request("remind me in 2 hours to stretch")
    await kitchen.expect_reply()
    await office.request("remind me in 1 hour that the oven is on")
    await office.expect_reply()
    await kitchen.request("remind me in 3 hours to water the plants")
    await kitchen.expect_reply()
    await clouds.pool.execute(
        "UPDATE reminders SET delivered_at = now() WHERE text = 'water the plants'"
    )
    await kitchen.request("What reminders do I have?")
    reply = (await kitchen.expect_reply()).body["text"]
    assert re.fullmatch(
        rf"You have 2 reminders: that the oven is on (?:tomorrow )?at {CLOCK}, on the office "
        rf"laptop; to stretch (?:tomorrow )?at {CLOCK}\.",
        reply,
    ), reply


async def test_times_are_said_in_the_asking_device_zone(clouds: CloudFactory) -> None:
    """The due time is said on the asking device's clock (its time zone setting)."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    await clouds.pool.execute(
        'UPDATE devices SET settings = \'{"timezone": "Asia/Kolkata"}\' WHERE id = $1',
        device_id,
    )
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("remind me in 10 minutes to stretch")
    confirmed = (await edge.expect_reply()).body["text"]
    await edge.request("read me my reminders")
    listed = (await edge.expect_reply()).body["text"]
    # The confirmation says the same time in the same zone (tested in test_cloud_reminders).
    when = confirmed.removeprefix("Okay, I'll remind you to stretch ").removesuffix(".")
    assert listed == f"You have one reminder: to stretch {when}."


async def test_no_reminders_and_many_reminders(clouds: CloudFactory) -> None:
    """With none it says so; with more than five it reads the next five and says how many."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("do I have any reminders")
    assert (await edge.expect_reply()).body["text"] == NONE_TEXT
    for hours in range(1, 8):
        await clouds.pool.execute(
            "INSERT INTO reminders (id, device_id, text, due_at, trace_id)"
            " VALUES ($1, $2, $3, now() + make_interval(hours => $4), 't')",
            new_id(),
            device_id,
            f"do thing {hours}",
            hours,
        )
    await edge.request("list my reminders")
    reply = (await edge.expect_reply()).body["text"]
    assert reply.startswith("You have 7 reminders; the next 5: to do thing 1 ")
    assert "do thing 5" in reply
    assert "do thing 6" not in reply


async def test_a_language_model_tool_call_lists_reminders(
    clouds: CloudFactory, chat: FakeChatCompletions
) -> None:
    """The model's list_reminders call is carried out like the rule's action."""
    chat.tool_call("list_reminders")
    environ = {"JARVIS_LLM_URL": chat.url, "JARVIS_LLM_MODEL": "tiny"}
    cloud = await clouds.start(environ=environ)
    device_id, token = await clouds.enroll("kitchen pi")
    await clouds.pool.execute(
        "INSERT INTO reminders (id, device_id, text, due_at, trace_id)"
        " VALUES ($1, $2, 'call your sister', now() + interval '1 hour', 't')",
        new_id(),
        device_id,
    )
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("anything on my plate later?")
    reply = (await edge.expect_reply()).body["text"]
    assert re.fullmatch(
        rf"You have one reminder: to call your sister (?:tomorrow )?at {CLOCK}\.", reply
    )
    tool = next(t for t in chat.requests[0]["tools"] if t["function"]["name"] == "list_reminders")
    assert tool["function"]["parameters"]["properties"] == {}


async def test_cloud_plan_names_the_action(clouds: CloudFactory) -> None:
    """``jarvis cloud plan`` says list_reminders, and stores or says nothing."""
    view = await plan_text(
        clouds.pool,
        "what reminders do I have",
        planner=RulePlanner(),
        now=NOW,
        second_chance=None,
        handled=(),
    )
    assert {key: view[key] for key in ("action", "intent", "slots", "reply")} == {
        "action": "list_reminders",
        "intent": None,
        "slots": {},
        "reply": None,
    }

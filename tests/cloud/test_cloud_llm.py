"""The language-model planner, against a local imitation of a chat-completions endpoint."""

from __future__ import annotations

import re

from chat_completions import FakeChatCompletions
from cloud_helpers import CloudFactory


def _environ(chat: FakeChatCompletions) -> dict[str, str]:
    return {"JARVIS_LLM_URL": chat.url, "JARVIS_LLM_MODEL": "tiny", "JARVIS_LLM_API_KEY": "k"}


async def test_tool_call_sets_a_reminder(clouds: CloudFactory, chat: FakeChatCompletions) -> None:
    """set_reminder from the model becomes a stored reminder; the request carries the tools."""
    chat.tool_call("set_reminder", text="stretch", when="in 10 minutes")
    cloud = await clouds.start(environ=_environ(chat))
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("could you nudge me to stretch in a little while")
    reply = await edge.expect_reply()
    # "tomorrow at" in the last ten minutes before midnight (UTC, the default zone).
    assert re.fullmatch(
        r"Okay, I'll remind you to stretch (tomorrow )?at \d+:\d\d [AP]M\.", reply.body["text"]
    )
    assert await clouds.pool.fetchval("SELECT text FROM reminders") == "stretch"
    sent = chat.requests[0]
    assert sent["model"] == "tiny"
    assert {tool["function"]["name"] for tool in sent["tools"]} == {
        "set_reminder",
        "list_reminders",
        "run_on_device",
        "answer",
    }
    assert sent["messages"][-1] == {
        "role": "user",
        "content": "could you nudge me to stretch in a little while",
    }
    assert "kitchen pi" in sent["messages"][0]["content"]
    assert chat.headers[0]["Authorization"] == "Bearer k"


async def test_tool_calls_run_on_device_and_answer(
    clouds: CloudFactory, chat: FakeChatCompletions
) -> None:
    """run_on_device sends the command to the named device; answer is said as it is."""
    chat.tool_call("run_on_device", device="Kitchen Pi", command="pause the music")
    chat.tool_call("answer", text="Lima is the capital of Peru.")
    cloud = await clouds.start(environ=_environ(chat))
    office_id, office_token = await clouds.enroll("office laptop")
    kitchen_id, kitchen_token = await clouds.enroll("kitchen pi")
    office, _ = await clouds.connect(cloud, office_id, office_token)
    kitchen, _ = await clouds.connect(cloud, kitchen_id, kitchen_token)
    await office.request("could the kitchen stop the music")
    assert (await kitchen.expect("command")).body["text"] == "pause the music"
    await office.request("what is the capital of peru")
    assert (await office.expect_reply()).body["text"] == "Lima is the capital of Peru."


async def test_model_failure_falls_back_to_the_rules(
    clouds: CloudFactory, chat: FakeChatCompletions
) -> None:
    """An HTTP error or an unusable tool call from the model gets the rule planner's answer."""
    chat.script.append(503)
    chat.tool_call("set_reminder", text="stretch", when="whenever")
    cloud = await clouds.start(environ=_environ(chat))
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("help")
    assert "remind" in (await edge.expect_reply()).body["text"]
    await edge.request("remind me in 10 minutes to stretch")
    assert (await edge.expect_reply()).body["text"].startswith("Okay, I'll remind you to stretch")
    assert len(chat.requests) == 2

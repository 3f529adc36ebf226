"""A cloud reply awaiting a yes or no: for 60 s the next yes or no goes to the cloud."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from assistant import replies
from assistant.conversation import CONFIRMATION_WINDOW_S, Conversation
from assistant.http_api import create_api
from assistant.testing import FakeCloudLink, FixedClock, conversation_for_tests
from models import Reply

Client = TestClient[web.Request, web.Application]
ASK = "The laptop is 380 km away. Say yes to confirm."


@dataclass
class Edge:
    client: Client
    conversation: Conversation
    cloud: FakeCloudLink
    clock: FixedClock

    async def say(self, text: str) -> tuple[int, dict[str, Any]]:
        response = await self.client.post("/v1/utterances", json={"text": text})
        return response.status, await response.json()

    async def cloud_asks_to_confirm(self) -> None:
        """A far-device privacy request goes to the cloud, which answers with a question."""
        status, body = await self.say("take a photo with the laptop camera")
        assert status == 202
        await self.conversation.on_reply(
            Reply(text=ASK, utterance_id=body["id"], awaiting_confirmation=True)
        )


@pytest.fixture
async def edge(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Edge]:
    cloud = FakeCloudLink()
    clock = FixedClock(now=1000.0)
    async with conversation_for_tests(tmp_path, cloud=cloud, clock=clock) as (conversation, bus):
        client = await aiohttp_client(create_api(conversation, bus))
        yield Edge(client, conversation, cloud, clock)


async def test_after_a_question_from_the_cloud_yes_is_forwarded(edge: Edge) -> None:
    """The yes that follows an awaiting reply goes to the cloud as an ordinary request."""
    await edge.cloud_asks_to_confirm()
    edge.clock.now += CONFIRMATION_WINDOW_S - 1
    status, body = await edge.say("yes")
    assert status == 202
    assert body["handled_by"] == "cloud"
    assert body["status"] == "pending"
    assert [u.text for u in edge.cloud.forwarded][-1] == "yes"
    assert edge.cloud.forwarded[-1].id == body["id"]


async def test_no_is_forwarded_and_a_local_command_between_keeps_the_window(edge: Edge) -> None:
    """A local command in between is answered here; the no after it still goes to the cloud."""
    await edge.cloud_asks_to_confirm()
    status, body = await edge.say("what time is it")
    assert (status, body["intent"]) == (200, "time.now")
    status, _ = await edge.say("no")
    assert status == 202
    assert edge.cloud.forwarded[-1].text == "no"


async def test_only_the_next_yes_is_forwarded(edge: Edge) -> None:
    """Once a yes went to the cloud, another yes is answered locally again."""
    await edge.cloud_asks_to_confirm()
    await edge.say("yes")
    status, body = await edge.say("yes")
    assert status == 200
    assert body["reply"] == replies.nothing_to_confirm()
    assert [u.text for u in edge.cloud.forwarded].count("yes") == 1


async def test_after_sixty_seconds_yes_is_answered_locally(edge: Edge) -> None:
    """A yes after the window has closed is not sent to the cloud."""
    await edge.cloud_asks_to_confirm()
    edge.clock.now += CONFIRMATION_WINDOW_S
    status, body = await edge.say("yes")
    assert status == 200
    assert body["handled_by"] == "edge"
    assert body["reply"] == replies.nothing_to_confirm()
    assert "yes" not in [u.text for u in edge.cloud.forwarded]


async def test_without_a_question_yes_is_answered_locally(edge: Edge) -> None:
    """A reply that awaits nothing leaves yes to the edge."""
    status, body = await edge.say("take a photo with the laptop camera")
    await edge.conversation.on_reply(Reply(text="Done.", utterance_id=body["id"]))
    status, body = await edge.say("yes")
    assert status == 200
    assert body["reply"] == replies.nothing_to_confirm()
    assert [u.text for u in edge.cloud.forwarded] == ["take a photo with the laptop camera"]

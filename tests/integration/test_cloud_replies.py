"""Replies from the cloud on the edge: the first answers an utterance, later ones are news."""

from __future__ import annotations

import asyncio
from pathlib import Path

from assistant.testing import FakeCloudLink, conversation_for_tests
from models import Reply


async def test_a_second_reply_to_an_answered_utterance_is_still_heard(tmp_path: Path) -> None:
    """A mission queued with no worker online is answered at once ("I'll start it as soon as
    one connects"); its result comes much later, for the same utterance. It is published, and
    the utterance keeps its first answer."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, bus):
        async with bus.subscribe() as heard:
            record = await conversation.submit("run my backup script")
            queued = "No device that can do that is online; I'll start it as soon as one connects."
            await conversation.on_reply(Reply(text=queued, utterance_id=record.id))
            await conversation.on_reply(Reply(text="Backed up 3 files.", utterance_id=record.id))
            said = [(await asyncio.wait_for(heard.get(), 5)).text for _ in range(2)]
        assert said == [queued, "Backed up 3 files."]
        answered = await conversation.lookup(record.id)
    assert answered is not None
    assert (answered.status, answered.reply) == ("done", queued)

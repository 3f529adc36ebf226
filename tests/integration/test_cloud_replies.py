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


async def test_a_request_cancelled_by_its_asker_is_marked_cancelled(tmp_path: Path) -> None:
    """A `cancelled` reply ends the pending request as cancelled; the confirmation answers the
    "cancel…" utterance, so the cancelled one says nothing more."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, bus):
        async with bus.subscribe() as heard:
            started = await conversation.submit("run my backup script")
            cancelling = await conversation.submit("cancel my backup script")
            await conversation.on_reply(Reply(text="", utterance_id=started.id, kind="cancelled"))
            stopped = "I stopped the mission to run the backup script on the laptop."
            await conversation.on_reply(Reply(text=stopped, utterance_id=cancelling.id))
            said = [await asyncio.wait_for(heard.get(), 5) for _ in range(2)]
        original = await conversation.lookup(started.id)
        confirmed = await conversation.lookup(cancelling.id)
    assert [(reply.utterance_id, reply.text) for reply in said] == [
        (started.id, ""),
        (cancelling.id, stopped),
    ]
    assert original is not None
    assert (original.status, original.error) == ("cancelled", "cancelled")
    assert confirmed is not None
    assert (confirmed.status, confirmed.reply) == ("done", stopped)

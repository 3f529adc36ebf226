"""The cloud's second chance on the edge: a ``device_intent`` runs one of this edge's own
intents for a forwarded utterance, as if understood here, and answers it (real database; the
cloud link is the in-process fake, the cloud itself is tested in tests/cloud and tests/e2e)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from assistant import replies
from assistant.testing import FakeCloudLink, conversation_for_tests
from models.device_intents import DeviceIntent

GROCERIES = "what groceries do i still need"


async def test_a_sent_back_intent_runs_and_answers_the_forwarded_utterance(
    tmp_path: Path,
) -> None:
    """list.show sent back for a forwarded question reads the list, said once, and the record
    is done with the intent and its slots, still handled by the cloud."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, bus):
        await conversation.submit("add milk to my shopping list")
        record = await conversation.submit(GROCERIES)
        assert (record.status, record.handled_by) == ("pending", "cloud")
        assert [u.text for u in cloud.forwarded] == [GROCERIES]
        async with bus.subscribe() as heard:
            await conversation.on_device_intent(
                DeviceIntent(record.id, "list.show", GROCERIES, 0.7)
            )
            said = await asyncio.wait_for(heard.get(), 5)
            # The same utterance sent back again (a second cloud instance, say) runs nothing.
            await conversation.on_device_intent(
                DeviceIntent(record.id, "list.show", GROCERIES, 0.7)
            )
            await asyncio.sleep(0.1)
            assert heard.empty()
        done = await conversation.lookup(record.id)
    assert said.utterance_id == record.id
    assert "milk" in said.text
    assert done is not None
    assert (done.status, done.handled_by, done.intent) == ("done", "cloud", "list.show")
    assert done.slots == {"list": "shopping"}
    assert done.reply == said.text


async def test_a_missing_slot_is_asked_for_and_the_answer_taken(tmp_path: Path) -> None:
    """list.add without an item asks "Add what…?", and the next words are the item."""
    cloud = FakeCloudLink()
    text = "i want to add to my list"
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, _):
        record = await conversation.submit(text)
        await conversation.on_device_intent(DeviceIntent(record.id, "list.add", text, 0.5))
        asked = await conversation.lookup(record.id)
        answered = await conversation.submit("eggs")
        shown = await conversation.submit("what's on my shopping list")
    assert asked is not None
    assert asked.reply == "Add what to your shopping list?"
    assert (answered.intent, answered.slots) == ("list.add", {"item": "eggs", "list": "shopping"})
    assert shown.reply is not None
    assert "eggs" in shown.reply


async def test_an_intent_this_edge_does_not_run_is_refused(tmp_path: Path) -> None:
    """The edge checks too: an intent outside its skills (or the conversation's own) is not
    run; the utterance is answered honestly."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, _):
        # No edge runs a calendar (yet): a cloud that says otherwise is not obeyed.
        first = await conversation.submit("put lunch with Sam in my calendar")
        assert first.handled_by == "cloud"
        await conversation.on_device_intent(DeviceIntent(first.id, "calendar.add", first.text, 0.9))
        second = await conversation.submit("be quiet for a bit please")
        await conversation.on_device_intent(
            DeviceIntent(second.id, "assistant.stop", second.text, 0.9)
        )
        refused = [await conversation.lookup(first.id), await conversation.lookup(second.id)]
    for record in refused:
        assert record is not None
        assert (record.status, record.intent) == ("done", None)
        assert record.reply == replies.not_a_local_command("device")

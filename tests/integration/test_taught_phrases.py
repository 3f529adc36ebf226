"""Phrases users teach, on the edge: taught, shared with the cloud, run first, kept offline."""

from __future__ import annotations

from pathlib import Path

from assistant.database import open_database
from assistant.phrase_book import PhraseBook
from assistant.platform import PlatformAdapters
from assistant.testing import FakeCloudLink, FakeMedia, FakeVolume, conversation_for_tests
from models import Intent, TaughtPhrase


async def test_a_taught_phrase_runs_its_commands_in_order(tmp_path: Path) -> None:
    """ "When I say movie time, pause the music and set the volume to 20", then "Movie time!"
    pauses the music and sets the volume, in that order, answered on the edge."""
    volume, media = FakeVolume(level=70), FakeMedia()
    adapters = PlatformAdapters(volume=volume, media=media)
    async with conversation_for_tests(tmp_path, adapters=adapters) as (conversation, _):
        taught = await conversation.submit(
            "When I say movie time, pause the music and set the volume to 20"
        )
        assert (taught.intent, taught.handled_by, taught.status) == ("phrase.teach", "edge", "done")
        assert "movie time" in (taught.reply or "")
        ran = await conversation.submit("Movie time!")
    assert (ran.intent, ran.handled_by, ran.status) == ("phrase.run", "edge", "done")
    assert media.calls == ["pause"]
    assert volume.level == 20
    assert ran.reply == "Paused. Volume set to 20 percent."


async def test_a_phrase_is_shared_with_the_cloud_and_forgotten_there_too(tmp_path: Path) -> None:
    """Teaching and forgetting each send the cloud one phrases_update message."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, _):
        await conversation.submit("from now on 'lights out' means stop")
        await conversation.submit("forget the phrase lights out")
        after = await conversation.submit("lights out")
    bodies = [dict(envelope.body) for envelope in cloud.shared]
    assert [envelope.type for envelope in cloud.shared] == ["phrases_update"] * 2
    assert bodies[0]["teach"]["phrase"] == "lights out"
    assert bodies[0]["teach"]["intents"] == [{"name": "assistant.stop", "slots": {}}]
    assert bodies[1] == {"forget": "lights out"}
    assert after.handled_by == "cloud"  # forgotten: no longer a command here


async def test_a_phrase_that_would_shadow_a_command_or_a_phrase_is_refused(
    tmp_path: Path,
) -> None:
    """ "stop" already means something; a taught phrase cannot be taught a second meaning."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud) as (conversation, _):
        builtin = await conversation.submit("when I say next song then mute")
        first = await conversation.submit("when I say quiet time mute")
        second = await conversation.submit("when I say quiet time pause the music")
        still = await conversation.submit("quiet time")
    assert "already means something" in (builtin.reply or "")
    assert "quiet time" in (first.reply or "")
    assert "already means: mute" in (second.reply or "")
    assert len(cloud.shared) == 1
    assert still.intent == "phrase.run"
    assert still.reply == "I can't control the volume on this device."


async def test_without_a_cloud_a_phrase_is_kept_on_this_device_and_says_so(
    tmp_path: Path,
) -> None:
    """No cloud configured: the phrase still works here, and the reply says where it lives."""
    async with conversation_for_tests(tmp_path) as (conversation, _):
        taught = await conversation.submit("when I say bedtime stop")
        listed = await conversation.submit("what phrases have I taught you")
    assert "on this device" in (taught.reply or "")
    assert listed.reply == "You taught me 1 phrase: “bedtime” to stop."


async def test_the_cloud_list_replaces_the_copy_and_survives_a_restart(tmp_path: Path) -> None:
    """A push from the cloud is the whole truth; the copy is read back after a restart."""
    pushed = TaughtPhrase(
        phrase="Party mode",
        actions="max volume",
        intents=(Intent("volume.set", {"level": 100}),),
    )
    async with conversation_for_tests(tmp_path) as (conversation, _):
        await conversation.submit("when I say bedtime stop")
        await conversation.on_phrases((pushed,))
        forgotten = await conversation.submit("bedtime")
    assert forgotten.intent != "phrase.run"
    db = await open_database(tmp_path)
    try:
        book = await PhraseBook.open(db)
    finally:
        await db.close()
    assert book.all() == [pushed]
    assert book.match("party MODE!") == pushed

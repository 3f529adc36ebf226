"""Privacy actions: asked on a far (or unknown) device only after a spoken yes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from cloud_helpers import CloudFactory
from test_cloud_missions import PARIS, VERSAILLES, Fleet

from models import Location

LONDON = Location(51.5074, -0.1278)


@pytest.fixture
async def fleet(clouds: CloudFactory) -> AsyncIterator[Fleet]:
    made = Fleet(clouds)
    yield made
    await made.close()


async def test_far_device_needs_a_yes_first(fleet: Fleet) -> None:
    """Recording on a device 344 km away asks for a yes (awaiting_confirmation); the yes
    starts the mission, whose result answers the yes."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", location=PARIS)
    laptop = await fleet.join("laptop", "microphone", location=LONDON)
    await asker.request("record audio on the laptop for 5 seconds")
    question = await asker.expect_reply()
    km = round(PARIS.distance_km(LONDON))
    assert question.body["text"] == f"The laptop is {km} km away. Say yes to confirm."
    assert question.body["awaiting_confirmation"] is True
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0
    assert not [e for e in await laptop.quiet(0.2) if e.type == "mission"]
    yes = await asker.request("yes")
    sent = await laptop.expect("mission")
    mission = sent.body["mission"]
    assert [(s["action"], s["params"]) for s in mission["steps"]] == [
        ("record_audio", {"seconds": 5})
    ]
    assert (mission["kind"], mission["device_name"]) == ("device_action", "laptop")
    await laptop.send(
        "mission_result",
        {"mission_id": mission["id"], "ok": True, "output": "recording: /r/1.wav", "error": None},
    )
    reply = await asker.expect_reply()
    assert reply.body["text"] == "I saved the recording on the laptop at /r/1.wav."
    assert reply.body["utterance_id"] == yes.body["utterance"]["id"]


async def test_near_device_runs_at_once(fleet: Fleet) -> None:
    """A device within the privacy distance gets the mission without a question."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", location=PARIS)
    laptop = await fleet.join("laptop", "camera", location=VERSAILLES)
    await asker.request("take a photo on the laptop")
    sent = await laptop.expect("mission")
    assert sent.body["mission"]["steps"][0]["action"] == "take_photo"
    assert not [e for e in await asker.quiet(0.2) if e.type == "reply"]


async def test_the_distance_threshold_comes_from_the_environment(fleet: Fleet) -> None:
    """JARVIS_PRIVACY_DISTANCE_KM moves the line: 500 km makes London near Paris."""
    await fleet.start({"JARVIS_PRIVACY_DISTANCE_KM": "500"})
    asker = await fleet.join("kitchen pi", location=PARIS)
    laptop = await fleet.join("laptop", "screen", location=LONDON)
    await asker.request("capture the screen on the laptop")
    sent = await laptop.expect("mission")
    assert sent.body["mission"]["steps"][0]["action"] == "capture_screen"


async def test_unknown_distance_asks_and_no_cancels(fleet: Fleet) -> None:
    """Without a location on either side the asker is asked; "no" cancels, and nothing runs."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "files", location=LONDON)
    await asker.request("read the file /home/me/notes.txt on the laptop")
    question = await asker.expect_reply()
    assert question.body["text"] == "I don't know how far the laptop is. Say yes to confirm."
    assert question.body["awaiting_confirmation"] is True
    await asker.request("no")
    assert (await asker.expect_reply()).body["text"] == "Okay, I won't."
    await asker.request("yes")
    assert (await asker.expect_reply()).body["text"] == "There's nothing to confirm."
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0
    assert not [e for e in await laptop.quiet(0.2) if e.type == "mission"]


async def test_a_late_yes_has_nothing_to_confirm(fleet: Fleet) -> None:
    """A yes after the 60 s window finds nothing to confirm and starts nothing."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", location=PARIS)
    await fleet.join("laptop", "camera", location=LONDON)
    await asker.request("take a photo on the laptop")
    await asker.expect_reply()
    expires = await fleet.pool.fetchval("SELECT expires_at - created_at FROM pending_confirmations")
    assert expires.total_seconds() == 60
    await fleet.pool.execute("UPDATE pending_confirmations SET expires_at = now() - interval '1s'")
    await asker.request("yes")
    assert (await asker.expect_reply()).body["text"] == "There's nothing to confirm."
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_unknown_device_is_named_honestly(fleet: Fleet) -> None:
    """A privacy action on a device nobody enrolled says so and lists the real ones."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    await asker.request("take a photo on the garage pi")
    reply = await asker.expect_reply()
    assert (
        reply.body["text"]
        == "I don't know a device called garage pi. Your devices are: kitchen pi."
    )

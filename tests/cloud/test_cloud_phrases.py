"""Taught phrases in the cloud: stored once, pushed whole to every device, given at hello."""

from __future__ import annotations

from cloud_helpers import CloudFactory

TEACH = {
    "phrase": "Movie time",
    "actions": "pause the music and set the volume to 20",
    "intents": [
        {"name": "media.pause", "slots": {}},
        {"name": "volume.set", "slots": {"level": 20}},
    ],
}


async def test_a_taught_phrase_is_stored_and_pushed_to_every_device(clouds: CloudFactory) -> None:
    """The laptop teaches a phrase; the kitchen pi gets the new list, the laptop an ack."""
    cloud = await clouds.start()
    laptop_id, laptop_token = await clouds.enroll("laptop")
    pi_id, pi_token = await clouds.enroll("kitchen pi")
    laptop, _ = await clouds.connect(cloud, laptop_id, laptop_token)
    pi, _ = await clouds.connect(cloud, pi_id, pi_token)
    sent = await laptop.send("phrases_update", {"teach": TEACH})
    await laptop.expect_ack(sent.id)
    pushed = await pi.expect("phrases")
    assert pushed.body == {"phrases": [TEACH]}
    assert (await laptop.expect("phrases")).body == {"phrases": [TEACH]}
    row = await clouds.pool.fetchrow("SELECT key, taught_by FROM taught_phrases")
    assert dict(row) == {"key": "movie time", "taught_by": laptop_id}


async def test_a_redelivered_update_is_applied_once(clouds: CloudFactory) -> None:
    """The same message id again (a retry after a dropped link) is acked, not pushed twice."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("laptop")
    edge, _ = await clouds.connect(cloud, device_id, token)
    first = await edge.send("phrases_update", {"teach": TEACH})
    await edge.expect_ack(first.id)
    await edge.expect("phrases")
    again = await edge.send("phrases_update", {"teach": TEACH}, id_=first.id)
    await edge.expect_ack(again.id)
    assert [e.type for e in await edge.quiet()] == []


async def test_a_device_connecting_later_gets_the_list_in_its_welcome(
    clouds: CloudFactory,
) -> None:
    """Taught while the pi was away: its welcome carries the list; forgetting empties it."""
    cloud = await clouds.start()
    laptop_id, laptop_token = await clouds.enroll("laptop")
    pi_id, pi_token = await clouds.enroll("kitchen pi")
    laptop, _ = await clouds.connect(cloud, laptop_id, laptop_token)
    await laptop.expect_ack((await laptop.send("phrases_update", {"teach": TEACH})).id)
    _, welcome = await clouds.connect(cloud, pi_id, pi_token)
    assert welcome.body["phrases"] == [TEACH]
    await laptop.expect_ack((await laptop.send("phrases_update", {"forget": "movie time"})).id)
    assert await clouds.pool.fetchval("SELECT count(*) FROM taught_phrases") == 0


async def test_a_malformed_update_is_refused_for_good(clouds: CloudFactory) -> None:
    """A phrase with no commands is an error naming the field, so the edge stops resending it."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("laptop")
    edge, _ = await clouds.connect(cloud, device_id, token)
    bad = {**TEACH, "intents": []}
    sent = await edge.send("phrases_update", {"teach": bad})
    error = await edge.expect("error", lambda e: e.body.get("ref") == sent.id)
    assert error.body["code"] == "bad_body"
    assert "body.teach.intents" in error.body["message"]

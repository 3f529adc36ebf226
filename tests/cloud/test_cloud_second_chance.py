"""The cloud's second chance on a real PostgreSQL: what an edge forwarded and the cloud's own
rules cannot do is understood again by the packaged model, and one of the asking edge's own
intents goes back to it as a ``device_intent``, once per request id."""

from __future__ import annotations

import aiohttp
import pytest
from cloud_helpers import CloudFactory, EdgeClient

from cloud.planning.cant import NOT_CAUGHT, cant_reply
from cloud.time_phrases import normalize
from models import Envelope, Utterance, derived_id, new_id
from models.device_intents import DEVICE_INTENT, DeviceIntent, intent_capabilities
from understanding import load_default

pytestmark = pytest.mark.slow

EDGE_INTENTS = intent_capabilities(["list.show", "list.add", "timer.start", "time.now"])
ABSTAINED = "what do we need from the shop"
"""A shopping-list question the edge's learned tier abstains on (below its threshold)."""


async def _edge(clouds: CloudFactory, capabilities: frozenset[str]) -> EdgeClient:
    instance = await clouds.start()
    device_id, token = await clouds.enroll("kitchen")
    edge, _ = await clouds.connect(instance, device_id, token, capabilities=capabilities)
    return edge


async def _outcome(edge: EdgeClient, request: Envelope) -> list[Envelope]:
    """What the cloud sent about ``request`` once it acked it (acks themselves left out)."""
    await edge.expect_ack(request.id)
    return [each for each in await edge.quiet(0.5) if each.type != "ack"]


async def test_a_request_the_edge_abstained_on_comes_back_as_its_own_intent(
    clouds: CloudFactory,
) -> None:
    """The shopping-list question comes back as list.show with the words said, its id made
    from the request's, and no reply of the cloud's own."""
    model = load_default()
    best = model.best(ABSTAINED)
    assert best.intent == "list.show"
    assert model.second_chance_threshold <= best.confidence < model.threshold
    edge = await _edge(clouds, EDGE_INTENTS | {"speaker"})

    request = await edge.request(ABSTAINED)
    sent = await edge.expect(DEVICE_INTENT)
    await edge.ack(sent)

    utterance_id = request.body["utterance"]["id"]
    back = DeviceIntent.from_wire(sent.body)
    assert (back.utterance_id, back.intent, back.text) == (utterance_id, "list.show", ABSTAINED)
    assert sent.id == derived_id(request.id, DEVICE_INTENT)
    assert sent.trace_id == request.trace_id
    assert [each.type for each in await _outcome(edge, request)] == []


async def test_a_request_sent_again_is_not_sent_back_twice(clouds: CloudFactory) -> None:
    """The same request id again (the ack was lost) is acked, and no second device_intent
    comes."""
    edge = await _edge(clouds, EDGE_INTENTS)
    request = await edge.request("what items are on my shopping list")
    first = await edge.expect(DEVICE_INTENT)
    await edge.ack(first)
    await edge.expect_ack(request.id)

    await edge.send("request", request.body, id_=request.id, trace_id=request.trace_id)
    assert [each.type for each in await _outcome(edge, request)] == []
    queued = await clouds.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE envelope->>'type' = $1", DEVICE_INTENT
    )
    assert queued == 1


async def test_words_the_edges_recognizer_doubted_need_the_edges_sure_guess(
    clouds: CloudFactory,
) -> None:
    """Heard with little confidence (a loud room), the same words are not sent back below the
    bar the edge itself kept: the edge forwarded them rather than act on a guess. Nothing else
    can do them either, and they were most likely misheard: "say it again", not "I can't"."""
    model = load_default()
    assert model.best(ABSTAINED).confidence < model.bar(words_doubted=True, second_chance=True)
    edge = await _edge(clouds, EDGE_INTENTS)
    await edge.request(ABSTAINED, words_doubted=True)
    reply = await edge.expect_reply()
    assert reply.body["text"] == NOT_CAUGHT
    assert DEVICE_INTENT not in [each.type for each in await edge.quiet(0.3)]

    await edge.request(ABSTAINED, words_doubted=False)  # heard clearly: sent back as before
    assert DeviceIntent.from_wire((await edge.expect(DEVICE_INTENT)).body).intent == "list.show"


@pytest.mark.parametrize("text", ["book me a flight to paris", "what is the capital of peru"])
async def test_out_of_scope_stays_unknown(clouds: CloudFactory, text: str) -> None:
    """What is neither the cloud's nor the device's is answered honestly, nothing sent back."""
    edge = await _edge(clouds, EDGE_INTENTS)
    await edge.request(text)
    reply = await edge.expect_reply()
    assert reply.body["text"] == cant_reply(normalize(text))
    assert DEVICE_INTENT not in [each.type for each in await edge.quiet(0.3)]


async def test_only_intents_the_asking_device_runs_are_sent_back(clouds: CloudFactory) -> None:
    """A device that never said it runs list.show gets the cloud's honest answer instead."""
    edge = await _edge(clouds, intent_capabilities(["timer.start"]))
    await edge.request(ABSTAINED)
    reply = await edge.expect_reply()
    assert reply.body["text"] == cant_reply(normalize(ABSTAINED))


async def test_the_clouds_own_rules_come_first(clouds: CloudFactory) -> None:
    """A reminder about the shopping list is the cloud's to set, not the device's list."""
    edge = await _edge(clouds, EDGE_INTENTS)
    await edge.request("remind me in 10 minutes to check my shopping list")
    reply = await edge.expect_reply()
    assert reply.body["text"].startswith("Okay, I'll remind you to check your shopping list")


async def test_turned_off_the_cloud_answers_as_before(clouds: CloudFactory) -> None:
    """JARVIS_LEARNED_TIER=false: no model in the cloud, the unknown answer stays."""
    instance = await clouds.start(environ={"JARVIS_LEARNED_TIER": "false"})
    device_id, token = await clouds.enroll("kitchen")
    edge, _ = await clouds.connect(instance, device_id, token, capabilities=EDGE_INTENTS)
    await edge.request("what items are on my shopping list")
    reply = await edge.expect_reply()
    assert reply.body["text"] == cant_reply(normalize("what items are on my shopping list"))


async def test_a_request_over_plain_http_gets_the_clouds_answer(clouds: CloudFactory) -> None:
    """A client polling for its reply over HTTP cannot run a device_intent: it gets the honest
    answer, even from a device that said over its link that it runs list.show."""
    instance = await clouds.start()
    device_id, token = await clouds.enroll("kitchen")
    edge, _ = await clouds.connect(instance, device_id, token, capabilities=EDGE_INTENTS)
    utterance = Utterance(id=new_id(), text=ABSTAINED, trace_id=new_id(), device_id=device_id)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        body = {"utterance": utterance.to_wire()}
        async with session.post(f"{instance.url}/v1/requests", json=body) as posted:
            assert posted.status == 202
        url = f"{instance.url}/v1/requests/{utterance.id}/reply"
        async with session.get(url) as answered:
            assert answered.status == 200
            assert (await answered.json())["text"] == cant_reply(normalize(ABSTAINED))
    assert DEVICE_INTENT not in [each.type for each in await edge.quiet(0.3)]

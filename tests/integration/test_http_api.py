"""The edge HTTP API in-process: the contract of DESIGN.md, bad input, the event stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from assistant import replies
from assistant.database import open_database
from assistant.history import History
from assistant.http_api import BUS, MAX_BODY_BYTES, create_api
from assistant.testing import conversation_for_tests

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Client]:
    async with conversation_for_tests(tmp_path) as (conversation, bus):
        yield await aiohttp_client(create_api(conversation, bus))


async def _post(client: Client, text: str) -> tuple[int, dict[str, Any]]:
    response = await client.post("/v1/utterances", json={"text": text})
    return response.status, await response.json()


async def test_a_local_intent_is_answered_at_once(client: Client) -> None:
    """A local command gets 200 with id, intent, slots, handled_by "edge" and the reply."""
    status, body = await _post(client, "set a timer for 5 minutes")
    assert status == 200
    assert body["intent"] == "timer.start"
    assert body["slots"] == {"duration_s": 300}
    assert body["handled_by"] == "edge"
    assert body["status"] == "done"
    assert "5 minutes" in body["reply"]
    assert body["id"]
    assert body["follow_up_at"] is not None


async def test_a_spoken_utterance_may_be_repaired(client: Client) -> None:
    """``"spoken": true`` (a phone's dictation): a misheard command is repaired as the
    microphone's are; the same text typed goes to the cloud as written."""
    heard = "set a timer for ten minutes, set a time for ten seconds, set the volume down."
    response = await client.post("/v1/utterances", json={"text": heard, "spoken": True})
    assert response.status == 200
    body = await response.json()
    assert (body["intent"], body["slots"], body["handled_by"]) == (
        "timer.start",
        {"duration_s": 600},
        "edge",
    )
    assert body["text"] == heard  # the history keeps what was heard
    status, typed = await _post(client, heard)
    assert status == 202
    assert typed["handled_by"] == "cloud"
    response = await client.post("/v1/utterances", json={"text": heard, "spoken": "yes"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_utterance"


async def test_spoken_words_carry_how_sure_the_recognizer_was(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    """``"words_sure"`` with ``"spoken"``: words whisper doubted need a sure guess of the
    learned tier. A likely one is asked about ("did you mean …?") and a yes runs it; a no
    leaves the words to the cloud the next time (here none: "say it again", not a reason about
    a cloud for words never said); outside 0 to 1 it is a clear 400."""
    from assistant.skills import Skills
    from assistant.understander import APP_INTENTS, Understander, load_model

    understander = Understander(Skills.HANDLED | APP_INTENTS, load_model())
    async with conversation_for_tests(tmp_path, understander=understander) as (conversation, bus):
        client = await aiohttp_client(create_api(conversation, bus))
        said = {"text": "i need to know what time it is", "spoken": True}
        clear = await client.post("/v1/utterances", json={**said, "words_sure": 0.8})
        assert (clear.status, (await clear.json())["intent"]) == (200, "time.now")
        asked = await client.post("/v1/utterances", json={**said, "words_sure": 0.3})
        assert asked.status == 200
        assert (await asked.json())["reply"] == replies.did_you_mean("what time is it")
        yes = await client.post("/v1/utterances", json={"text": "yes", "spoken": True})
        assert (await yes.json())["intent"] == "time.now"
        await client.post("/v1/utterances", json={**said, "words_sure": 0.3})
        no = await client.post("/v1/utterances", json={"text": "no"})
        assert (await no.json())["reply"] == replies.offer_declined()
        doubted = await client.post("/v1/utterances", json={**said, "words_sure": 0.3})
        assert doubted.status == 202
        body = await doubted.json()
        assert body["handled_by"] == "cloud"
        for _ in range(100):  # no cloud here: it fails, asking again rather than blaming it
            fetched = await (await client.get(f"/v1/utterances/{body['id']}")).json()
            if fetched["status"] != "pending":
                break
            await asyncio.sleep(0.02)
        assert (fetched["status"], fetched["reply"]) == ("failed", replies.not_caught())
        assert fetched["error"] == "the cloud brain is not reachable"
        wrong = await client.post("/v1/utterances", json={**said, "words_sure": 1.5})
        assert wrong.status == 400
        assert (await wrong.json())["error"]["code"] == "invalid_utterance"


async def test_the_utterance_can_be_read_back(client: Client) -> None:
    """GET /v1/utterances/{id} returns the same utterance with its status and reply."""
    _, posted = await _post(client, "add milk to my shopping list")
    response = await client.get(f"/v1/utterances/{posted['id']}")
    assert response.status == 200
    fetched = await response.json()
    assert fetched["status"] == "done"
    assert fetched["reply"] == posted["reply"]
    assert fetched["slots"] == {"item": "milk", "list": "shopping"}


async def test_a_cloud_request_is_pending_then_fails_honestly(client: Client) -> None:
    """Without a cloud link, a forwarded request is 202 pending, then failed with the reason."""
    status, body = await _post(client, "what is the capital of France")
    assert status == 202
    assert body["handled_by"] == "cloud"
    assert body["status"] == "pending"
    assert body["intent"] is None
    for _ in range(100):
        fetched = await (await client.get(f"/v1/utterances/{body['id']}")).json()
        if fetched["status"] != "pending":
            break
        await asyncio.sleep(0.02)
    assert fetched["status"] == "failed"
    assert fetched["error"] == "the cloud brain is not reachable"
    assert "not reachable" in fetched["reply"]


async def test_every_reply_is_an_event(client: Client) -> None:
    """A subscriber to /v1/events receives a `reply` event with an event id, carrying the
    reply and its utterance's id."""
    events = await client.get("/v1/events")
    assert events.headers["Content-Type"].startswith("text/event-stream")
    assert await events.content.readline() == b": subscribed\n"
    assert await events.content.readline() == b"\n"
    _, body = await _post(client, "what is 12 times 7")
    lines = [await events.content.readline() for _ in range(4)]
    assert lines[0].startswith(b"id: ")
    assert int(lines[0].removeprefix(b"id: ")) > 0
    assert lines[1] == b"event: reply\n"
    event = json.loads(lines[2].removeprefix(b"data: "))
    assert event == {
        "text": body["reply"],
        "utterance_id": body["id"],
        "kind": "reply",
        "follow_up_at": None,
        "awaiting_confirmation": False,
    }
    assert "84" in event["text"]
    events.close()


async def test_say_that_again_repeats_the_last_reply(client: Client) -> None:
    """assistant.repeat answers with the previous reply, not with itself."""
    _, first = await _post(client, "what is 6 times 7")
    _, again = await _post(client, "say that again")
    assert again["intent"] == "assistant.repeat"
    assert again["reply"] == first["reply"]


async def test_a_given_trace_id_is_kept(client: Client) -> None:
    """A caller that passes trace_id sees it on the utterance."""
    response = await client.post("/v1/utterances", json={"text": "mute", "trace_id": "abc-123"})
    assert (await response.json())["trace_id"] == "abc-123"


async def test_platform_actions_without_an_adapter_say_so(client: Client) -> None:
    """With no volume adapter the reply is an honest "can't", never a fake success."""
    _, body = await _post(client, "set the volume to 40")
    assert body["intent"] == "volume.set"
    assert "can't" in body["reply"]


async def test_history_keeps_every_utterance(client: Client, tmp_path: Path) -> None:
    """Each utterance is stored with its intent, reply and timings."""
    await _post(client, "what time is it")
    await _post(client, "search the web for timer apps")
    # The fixture's database file is shared: read it with a second connection.
    db = await open_database(tmp_path)
    try:
        records = await History(db).recent(10)
    finally:
        await db.close()
    assert [r.text for r in records] == ["what time is it", "search the web for timer apps"]
    assert records[0].intent == "time.now"
    assert records[0].interpret_ms >= 0
    assert records[0].handle_ms is not None
    assert records[1].handled_by == "cloud"


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b"{}", {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b'{"text": ""}', {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b'{"text": "   "}', {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b'{"text": "hi\\u0000"}', {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b'{"text": "hi\\ud800"}', {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b'{"text": "hi", "x": NaN}', {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b'{"text": "hi", "x": 1e999}', {"Content-Type": "application/json"}, 400, "invalid_json"),
        (b'{"text": 5}', {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b"[]", {"Content-Type": "application/json"}, 400, "invalid_utterance"),
        (b"text=hi", {"Content-Type": "application/x-www-form-urlencoded"}, 415, None),
        (b'{"text": "hi"}', {"Content-Type": "text/plain"}, 415, None),
    ],
)
async def test_bad_input_gets_a_clear_json_error(
    client: Client, body: bytes, headers: dict[str, str], status: int, code: str | None
) -> None:
    """Malformed JSON and missing text are 400, a wrong content type 415, all as JSON errors."""
    response = await client.post("/v1/utterances", data=body, headers=headers)
    assert response.status == status
    error = (await response.json())["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


async def test_an_oversized_body_is_413(client: Client) -> None:
    """A body over 16 KiB is refused with 413, with or without a Content-Length."""
    text = "a" * MAX_BODY_BYTES
    response = await client.post("/v1/utterances", json={"text": text})
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "body_too_large"

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(17):
            yield b"a" * 1024
        yield b'"}'

    response = await client.post(
        "/v1/utterances", data=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


async def test_unknown_paths_and_ids_are_json_404s(client: Client) -> None:
    """Unknown utterance ids and unknown paths answer with the JSON error shape."""
    for path in ("/v1/utterances/nope", "/v1/nothing-here"):
        response = await client.get(path)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


async def test_the_openapi_document_describes_the_api(client: Client) -> None:
    """/v1/openapi.json is an OpenAPI 3 document listing the three endpoints."""
    document = await (await client.get("/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert {"/v1/utterances", "/v1/utterances/{id}", "/v1/events"} <= set(document["paths"])


async def test_status_says_there_is_no_cloud(client: Client) -> None:
    """/v1/status names the device and says no cloud link is configured or up."""
    status = await (await client.get("/v1/status")).json()
    assert status == {
        "device_id": "test-device",
        "device_name": "device",
        "cloud": {"configured": False, "connected": False, "problem": None},
        "home_assistant": {"configured": False, "url": None, "entities": 0, "problem": None},
    }


async def test_an_alert_replayed_late_says_how_late(tmp_path: Path, aiohttp_client: Any) -> None:
    """A timer that rang two minutes before any client listened is given to the first client
    saying how long ago it was."""
    from assistant.events import ReplyBus
    from models import Reply

    now = [1_000_000.0]
    bus = ReplyBus(clock=lambda: now[0])
    async with conversation_for_tests(tmp_path) as (conversation, _):
        client = await aiohttp_client(create_api(conversation, bus))
        bus.publish(Reply("Your 5 second timer is done.", kind="timer"))
        now[0] += 120
        events = await client.get("/v1/events")
        lines = [await events.content.readline() for _ in range(5)]
        events.close()
    event = json.loads(lines[4].removeprefix(b"data: "))
    assert event["text"] == "Your 5 second timer is done. That was 2 minutes ago."


async def test_a_client_may_ask_for_no_replay(tmp_path: Path, aiohttp_client: Any) -> None:
    """`?replay=0` (what `jarvis say` asks) leaves an unseen alert for the next client."""
    from assistant.events import ReplyBus
    from models import Reply

    bus = ReplyBus()
    async with conversation_for_tests(tmp_path) as (conversation, _):
        client = await aiohttp_client(create_api(conversation, bus))
        bus.publish(Reply("Your 5 second timer is done.", kind="timer"))
        quiet = await client.get("/v1/events", params={"replay": "0"})
        assert await quiet.content.readline() == b": subscribed\n"
        assert await quiet.content.readline() == b"\n"
        quiet.close()
        later = await client.get("/v1/events")
        lines = [await later.content.readline() for _ in range(5)]
        later.close()
    assert json.loads(lines[4].removeprefix(b"data: "))["text"] == "Your 5 second timer is done."


async def test_the_wake_word_heard_is_a_wake_event_saying_which_ear(client: Client) -> None:
    """The voice loop's wake goes out as a ``wake`` event (never a ``reply``), and says which
    ear heard the phrase and how sure it was; the answer that follows is a ``reply`` again."""
    from assistant.events import WAKE_EVENT_KIND
    from models import Reply, WakeHeard

    bus = client.app[BUS]
    events = await client.get("/v1/events")
    assert await events.content.readline() == b": subscribed\n"
    assert await events.content.readline() == b"\n"
    bus.publish(Reply("", kind=WAKE_EVENT_KIND, woke=WakeHeard("whisper check", 0.991)))
    bus.publish(Reply("It's 3:05 PM."))
    lines = [await events.content.readline() for _ in range(8)]
    events.close()
    assert (lines[1], lines[5]) == (b"event: wake\n", b"event: reply\n")
    wake = json.loads(lines[2].removeprefix(b"data: "))
    assert wake["kind"] == WAKE_EVENT_KIND
    assert wake["woke"] == {"by": "whisper check", "score": 0.991, "voice": None, "satellite": None}
    assert "woke" not in json.loads(lines[6].removeprefix(b"data: "))

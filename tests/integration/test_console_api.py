"""The web console's routes in-process: the page and its security headers, state, actions, mute."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import struct
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from recognizer_faults import FailsOnce

from assistant.audio import FRAME_BYTES, to_pcm
from assistant.cloud_link import NoCloudLink
from assistant.console.cloud_client import ConsoleCloud
from assistant.console.routes import (
    CONTENT_SECURITY_POLICY,
    NO_CLOUD,
    PARTS,
    ConsoleParts,
    add_console,
)
from assistant.console.talk import HEAR_FAILED, TalkEngines
from assistant.conversation import Conversation, Identity
from assistant.database import DATABASE_FILE, open_database
from assistant.events import ReplyBus
from assistant.history import History
from assistant.http_api import create_api
from assistant.http_auth import AccessPolicy
from assistant.listening import ListeningState, MutableSource
from assistant.mute_store import MuteStore
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import silence
from assistant.voice_loop import VoiceOptions

Client = TestClient[web.Request, web.Application]
TOKEN = "console-test-token"
KITCHEN = "tcp://kitchen-pi:10700"
"""A Wyoming satellite the edge is configured with (never dialled here)."""


async def _console_app(
    data_dir: Path, access: AccessPolicy | None, talk: TalkEngines | None = None
) -> AsyncIterator[web.Application]:
    db = await open_database(data_dir)
    bus = ReplyBus()
    skills = await Skills.start(db, bus.publish, timezone=UTC, adapters=PlatformAdapters())
    conversation = Conversation(
        identity=Identity(device_id="test-device", session_id="s", device_name="kitchen"),
        skills=skills,
        history=History(db),
        bus=bus,
        cloud=NoCloudLink(),
    )
    cloud = ConsoleCloud(None, None)
    app = create_api(conversation, bus, access=access)
    talk = talk or TalkEngines(data_dir, VoiceOptions(tts_engine="none"))
    listening = ListeningState()
    listening.satellite(KITCHEN)
    parts = ConsoleParts(
        conversation, History(db), skills, listening, cloud, bus, talk, access=access,
        mutes=MuteStore(db),
    )  # fmt: skip
    add_console(app, parts)
    try:
        yield app
    finally:
        await cloud.close()
        await conversation.close()
        await skills.close()
        await db.close()


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Client]:
    async for app in _console_app(tmp_path, None):
        yield await aiohttp_client(app)


@pytest.fixture
async def guarded(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Client]:
    async for app in _console_app(tmp_path, AccessPolicy(token=TOKEN)):
        yield await aiohttp_client(app)


async def _say(client: Client, text: str) -> dict[str, Any]:
    response = await client.post("/v1/utterances", json={"text": text})
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_the_page_is_served_with_a_strict_content_security_policy(client: Client) -> None:
    """``/`` is the HTML page, its script a module from the edge itself, under a strict CSP."""
    response = await client.get("/")
    page = await response.text()
    assert response.status == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert '<script type="module" src="/console/console.js"></script>' in page
    assert "<script>" not in page
    assert "style=" not in page
    script = await client.get("/console/vendor/htm-preact.module.js")
    assert script.status == 200
    assert "export{" in await script.text()


async def test_the_page_needs_no_token_but_its_data_does(guarded: Client) -> None:
    """A browser can open the page, but every console route wants the bearer token."""
    assert (await guarded.get("/")).status == 200
    assert (await guarded.get("/console/console.js")).status == 200
    assert (await guarded.get("/v1/console/state")).status == 401
    authorized = await guarded.get(
        "/v1/console/state", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert authorized.status == 200


async def test_the_state_lists_a_timer_and_buttons_pause_and_cancel_it(client: Client) -> None:
    """A spoken timer shows in the state; pause, resume and cancel act on it by id."""
    await _say(client, "set a pasta timer for 5 minutes")
    state = await (await client.get("/v1/console/state")).json()
    [timer] = state["timers"]
    assert timer["name"] == "pasta"
    assert timer["state"] == "running"
    assert 295 < timer["ends_at"] - state["now"] <= 300
    paused = await client.post(f"/v1/console/timers/{timer['id']}/pause")
    assert "paused" in (await paused.json())["reply"]
    state = await (await client.get("/v1/console/state")).json()
    assert state["timers"][0]["state"] == "paused"
    assert state["timers"][0]["ends_at"] is None
    await client.post(f"/v1/console/timers/{timer['id']}/resume")
    cancelled = await client.post(f"/v1/console/timers/{timer['id']}/cancel")
    assert cancelled.status == 200
    assert (await (await client.get("/v1/console/state")).json())["timers"] == []
    assert (await client.post(f"/v1/console/timers/{timer['id']}/cancel")).status == 404


async def test_lists_and_notes_are_read_added_and_ticked_off(client: Client) -> None:
    """Items and notes added by voice or by the page show up, and ticking one off removes it."""
    await _say(client, "add milk to my shopping list")
    added = await client.post("/v1/console/lists/shopping/items", json={"item": "eggs"})
    assert added.status == 201
    await client.post("/v1/console/notes", json={"text": "call the plumber"})
    state = await (await client.get("/v1/console/state")).json()
    assert [item["item"] for item in state["lists"]["shopping"]] == ["milk", "eggs"]
    assert [note["text"] for note in state["notes"]] == ["call the plumber"]
    milk = state["lists"]["shopping"][0]["id"]
    assert (await client.delete(f"/v1/console/lists/items/{milk}")).status == 200
    assert (await client.delete(f"/v1/console/notes/{state['notes'][0]['id']}")).status == 200
    state = await (await client.get("/v1/console/state")).json()
    assert [item["item"] for item in state["lists"]["shopping"]] == ["eggs"]
    assert state["notes"] == []
    spoken = await _say(client, "what's on my shopping list")
    assert "eggs" in spoken["reply"]
    assert "milk" not in spoken["reply"]


async def test_bad_bodies_are_refused_with_a_reason(client: Client) -> None:
    """Blank text, a wrong type or a non-JSON body are 4xx JSON errors, and nothing is stored."""
    blank = await client.post("/v1/console/notes", json={"text": "   "})
    assert blank.status == 400
    wrong = await client.put("/v1/console/listening", json={"muted": "yes"})
    assert wrong.status == 400
    assert "error" in await wrong.json()
    plain = await client.post("/v1/console/notes", data="x", headers={"Content-Type": "text/plain"})
    assert plain.status == 415
    assert (await (await client.get("/v1/console/state")).json())["notes"] == []


async def test_the_history_and_a_trace_show_what_was_said(client: Client) -> None:
    """The page opens on the recent conversation; a line's trace holds the edge's steps."""
    said = await _say(client, "what is 12 times 7")
    history = await (await client.get("/v1/console/history")).json()
    assert [u["text"] for u in history["utterances"]] == ["what is 12 times 7"]
    trace = await (await client.get(f"/v1/console/utterances/{said['id']}/trace")).json()
    assert trace["trace_id"] == said["trace_id"]
    kinds = [event["kind"] for event in trace["events"]]
    assert kinds == ["utterance.received", "utterance.interpreted", "utterance.answered"]


async def test_missions_without_a_cloud_say_so(client: Client) -> None:
    """With no cloud configured, missions and devices are empty lists that say why."""
    response = await client.get("/v1/console/missions")
    assert response.status == 200
    assert await response.json() == {"missions": [], "problem": NO_CLOUD}
    assert (await client.post("/v1/console/missions/abc/cancel")).status == 404


class _StandInMicrophone:
    """Stands in for a sound input device (this machine has none): 20 ms frames of silence,
    paced like a live microphone, and whether it is open."""

    def __init__(self) -> None:
        self.closed = False

    async def frames(self) -> AsyncIterator[bytes]:
        while not self.closed:
            await asyncio.sleep(0.02)
            yield bytes(FRAME_BYTES)

    async def close(self) -> None:
        self.closed = True


async def test_muting_closes_the_microphone_and_unmuting_opens_it() -> None:
    """While muted no frame passes and the device is closed; unmuting opens a fresh one."""
    opened: list[_StandInMicrophone] = []

    async def open_device() -> _StandInMicrophone:
        opened.append(_StandInMicrophone())
        return opened[-1]

    listening = ListeningState()
    source = MutableSource(await open_device(), open_device, listening)
    frames = source.frames()
    await anext(frames)
    listening.set_muted(True)
    assert listening.state == "muted"
    waiting = asyncio.ensure_future(anext(frames))
    await asyncio.sleep(0.3)
    assert not waiting.done(), "a frame passed while muted"
    assert opened[0].closed
    listening.set_muted(False)
    await asyncio.wait_for(waiting, 5)
    assert len(opened) == 2
    assert not opened[1].closed
    await source.close()
    assert opened[1].closed
    await frames.aclose()


async def test_the_listening_stream_pushes_each_change(client: Client) -> None:
    """The stream starts with the state, then sends one event when the mute switch changes."""
    async with client.get("/v1/console/listening/events") as stream:
        first = await _next_event(stream)
        assert first["muted"] is False
        await client.put("/v1/console/listening", json={"muted": True})
        changed = await _next_event(stream)
    assert changed["muted"] is True


async def test_a_lost_microphone_is_pushed_with_its_reason_and_its_return(
    client: Client,
) -> None:
    """The console's listening stream says ``lost`` (with why) when the microphone stops by
    itself, and ``waiting`` once it is open again; the state route agrees."""
    listening = client.app[PARTS].listening
    listening.microphone = True
    async with client.get("/v1/console/listening/events") as stream:
        assert (await _next_event(stream))["state"] == "waiting"
        listening.set_microphone_lost("USB Mic stopped")
        lost = await _next_event(stream)
        state = await (await client.get("/v1/console/state")).json()
        listening.set_microphone_lost(None)
        back = await _next_event(stream)
    assert (lost["state"], lost["microphone_lost"]) == ("lost", "USB Mic stopped")
    assert state["listening"]["state"] == "lost"
    assert (back["state"], back["microphone_lost"]) == ("waiting", None)


async def test_a_satellite_is_muted_by_its_address_and_the_switch_is_kept(
    client: Client, tmp_path: Path
) -> None:
    """``"satellite"`` names whose switch moves (the microphone's stays as it was); the edge's
    database keeps it for the next start; an address not configured is a 404 naming those
    that are, and moves nothing."""
    muted = await client.put("/v1/console/listening", json={"muted": True, "satellite": KITCHEN})
    assert muted.status == 200
    view = await muted.json()
    assert view["satellites"] == [{"uri": KITCHEN, "connected": False, "muted": True}]
    assert view["muted"] is False
    assert _kept_mutes(tmp_path) == [KITCHEN]

    unknown = await client.put(
        "/v1/console/listening", json={"muted": False, "satellite": "tcp://attic-pi:10700"}
    )
    assert unknown.status == 404
    error = (await unknown.json())["error"]
    assert error["code"] == "unknown_satellite"
    assert KITCHEN in error["message"]
    state = await (await client.get("/v1/console/state")).json()
    assert state["listening"]["satellites"][0]["muted"] is True

    await client.put("/v1/console/listening", json={"muted": True})
    await client.put("/v1/console/listening", json={"muted": False, "satellite": KITCHEN})
    assert _kept_mutes(tmp_path) == ["microphone"]


def _kept_mutes(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:
        return [row[0] for row in db.execute("SELECT ear FROM mutes ORDER BY ear")]


async def _next_event(stream: Any) -> dict[str, Any]:
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), 5)).decode()
        if line.startswith("data:"):
            event: dict[str, Any] = json.loads(line.removeprefix("data:"))
            return event


async def test_alarms_are_listed_soonest_first_with_when_they_ring(client: Client) -> None:
    """Alarms set by voice appear in the state with their time, repeat and next ring."""
    assert (await (await client.get("/v1/console/state")).json())["alarms"] == []
    for text in ("set an alarm for 7 am every weekday", "set an alarm for 6:30 am"):
        await client.post("/v1/utterances", json={"text": text})
    alarms = (await (await client.get("/v1/console/state")).json())["alarms"]
    # Which rings first depends on today's weekday and hour: the order is by the next ring.
    assert {(a["time"], a["repeat"], a["ringing"]) for a in alarms} == {
        ("06:30", None, False),
        ("07:00", "weekdays", False),
    }
    assert alarms[0]["rings_at"] <= alarms[1]["rings_at"]


async def test_a_recognizer_that_fails_is_said_to_the_browser_and_the_next_press_is_heard(
    tmp_path: Path,
    aiohttp_client: Any,
    whisper: WhisperRecognizer,
    said: Callable[[str], np.ndarray],
) -> None:
    """Browser push-to-talk: the first press's speech meets a recognizer that fails, and the
    browser is told so (it waited for a "heard" that would never come); the same socket's
    next press is heard."""
    recognizer = FailsOnce(whisper)
    talk = TalkEngines(tmp_path, VoiceOptions(tts_engine="none"), recognizer=recognizer)
    speech = to_pcm(np.concatenate([silence(0.3), said("what time is it"), silence(1.0)]))
    answers = []
    async for app in _console_app(tmp_path, None, talk):
        client = await aiohttp_client(app)
        page = f"http://{client.host}:{client.port}"  # the socket admits only the edge's page
        async with client.ws_connect("/v1/console/talk", headers={"Origin": page}) as socket:
            await socket.send_json({"type": "hello", "token": None})
            assert (await socket.receive_json(timeout=30))["type"] == "ready"
            for _ in range(2):
                await socket.send_json({"type": "start"})
                for at in range(0, len(speech), FRAME_BYTES):
                    stamp = struct.pack("<d", time.time() * 1000)
                    await socket.send_bytes(stamp + speech[at : at + FRAME_BYTES])
                await socket.send_json({"type": "stop"})
                while (answer := await socket.receive_json(timeout=60))["type"] not in (
                    "heard",
                    "error",
                ):
                    pass
                answers.append(answer)
    assert answers[0] == {"type": "error", "message": HEAR_FAILED}
    assert answers[1]["type"] == "heard"
    assert answers[1]["intent"] == "time.now"
    assert recognizer.begun == 2

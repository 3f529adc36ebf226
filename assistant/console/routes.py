"""The web console's routes on the edge HTTP API: the page, its files, and the JSON it reads.

``GET /`` is the page and ``/console/…`` its static files (no data in either, so they need no
token: a browser cannot send one when it navigates; the address allowlist still applies). Every
``/v1/console/…`` route is guarded like the rest of the API, and the page sends the token in the
``Authorization`` header, never in a URL.

Every response carries a strict Content-Security-Policy: scripts and styles only from the edge
itself, nothing inline, no frames, so an injected string can never run.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from assistant.console.cloud_client import ConsoleCloud, ConsoleCloudError
from assistant.console.talk import TalkEngines, talk_socket
from assistant.conversation import Conversation
from assistant.events import ReplyBus
from assistant.history import History
from assistant.http_api import read_body
from assistant.http_auth import AccessPolicy
from assistant.listening import MICROPHONE, ListeningState
from assistant.mute_store import MuteStore
from assistant.skills import Skills
from jarvis.http_errors import error_response
from models import unstorable_character

STATIC_DIR = Path(__file__).with_name("static")
MAX_TEXT_CHARS = 1000
HISTORY_LIMIT = 30
KEEPALIVE_S = 15.0

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
TIMER_ACTIONS = frozenset({"pause", "resume", "cancel"})


@dataclass(frozen=True, slots=True)
class ConsoleParts:
    """What the console reads and changes, all owned by the edge process."""

    conversation: Conversation
    history: History
    skills: Skills
    listening: ListeningState
    cloud: ConsoleCloud
    bus: ReplyBus
    talk: TalkEngines
    """Recognizer and voice for browser push-to-talk, loaded on first use."""
    access: AccessPolicy | None = None
    """Checked by the talk socket itself (a browser cannot send it a header)."""
    loopback_only: bool = True
    """The API binds loopback: the talk socket then wants a loopback ``Host`` too."""
    mutes: MuteStore | None = None
    """Where the mute switches are kept across restarts (``None``: in memory only)."""


PARTS = web.AppKey("console", ConsoleParts)


class _Text(msgspec.Struct):
    text: str


class _Item(msgspec.Struct):
    item: str


class _Mute(msgspec.Struct):
    muted: bool
    satellite: str | None = None
    """A Wyoming satellite's address as configured; absent: this edge's microphone."""


def add_console(app: web.Application, parts: ConsoleParts) -> None:
    """Add the page, its files and the ``/v1/console`` routes to the edge API ``app``."""
    app[PARTS] = parts
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/", get_page)
    app.router.add_static("/console/", STATIC_DIR, append_version=False)
    app.router.add_get("/v1/console/state", get_state)
    app.router.add_get("/v1/console/history", get_history)
    app.router.add_post("/v1/console/timers/{timer_id}/{action}", post_timer_action)
    app.router.add_post("/v1/console/notes", post_note)
    app.router.add_delete("/v1/console/notes/{note_id}", delete_note)
    app.router.add_post("/v1/console/lists/{list}/items", post_list_item)
    app.router.add_delete("/v1/console/lists/items/{item_id}", delete_list_item)
    app.router.add_put("/v1/console/listening", put_listening)
    app.router.add_get("/v1/console/listening/events", stream_listening)
    app.router.add_get("/v1/console/utterances/{id}/trace", get_trace)
    app.router.add_get("/v1/console/missions", get_missions)
    app.router.add_get("/v1/console/missions/{mission_id}", get_mission)
    app.router.add_post("/v1/console/missions/{mission_id}/cancel", post_mission_cancel)
    app.router.add_get("/v1/console/devices", get_devices)
    app.router.add_get("/v1/console/talk", talk_socket)


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")


async def get_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def get_state(request: web.Request) -> web.Response:
    """Timers (and alarms, where the skill offers them), lists, notes, listening, the link."""
    parts = request.app[PARTS]
    now = time.time()
    state: dict[str, Any] = {
        "now": now,
        "device": parts.conversation.status(),
        "listening": parts.listening.view(),
        "timers": [
            {
                "id": timer.id,
                "label": timer.label,
                "name": timer.name,
                "state": timer.state,
                "duration_s": timer.duration_s,
                "ends_at": timer.ends_at,
                "left_s": round(timer.left_s(now), 3),
            }
            for timer in parts.skills.timers.snapshot()
        ],
        "notes": await parts.skills.notes.all_notes(),
        "lists": await parts.skills.notes.all_lists(),
        "alarms": parts.skills.alarms_now(),
    }
    return web.json_response(state)


async def get_history(request: web.Request) -> web.Response:
    """The latest utterances, oldest first, so the page opens on the conversation so far."""
    records = await request.app[PARTS].history.recent(HISTORY_LIMIT)
    return web.json_response({"utterances": [record.view() for record in records]})


async def post_timer_action(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in TIMER_ACTIONS:
        return error_response(404, "not_found", "A timer can be paused, resumed or cancelled.")
    reply = await request.app[PARTS].skills.timers.act(request.match_info["timer_id"], action)
    if reply is None:
        return error_response(404, "not_found", "No timer has that id (it may have ended).")
    return web.json_response({"reply": reply})


async def post_note(request: web.Request) -> web.Response:
    body = await read_body(request, _Text, "invalid_body")
    if isinstance(body, web.Response):
        return body
    text = _clean(body.text)
    if isinstance(text, web.Response):
        return text
    reply = await request.app[PARTS].skills.notes.add_note({"text": text})
    return web.json_response({"reply": reply}, status=201)


async def delete_note(request: web.Request) -> web.Response:
    note_id = _int_id(request.match_info["note_id"])
    if note_id is None or not await request.app[PARTS].skills.notes.delete_note(note_id):
        return error_response(404, "not_found", "No note has that id.")
    return web.json_response({"deleted": note_id})


async def post_list_item(request: web.Request) -> web.Response:
    body = await read_body(request, _Item, "invalid_body")
    if isinstance(body, web.Response):
        return body
    item = _clean(body.item)
    list_name = _clean(request.match_info["list"])
    if isinstance(item, web.Response):
        return item
    if isinstance(list_name, web.Response):
        return list_name
    reply = await request.app[PARTS].skills.notes.add_item({"item": item, "list": list_name})
    return web.json_response({"reply": reply}, status=201)


async def delete_list_item(request: web.Request) -> web.Response:
    item_id = _int_id(request.match_info["item_id"])
    if item_id is None or not await request.app[PARTS].skills.notes.tick_off(item_id):
        return error_response(404, "not_found", "No list item has that id.")
    return web.json_response({"deleted": item_id})


async def put_listening(request: web.Request) -> web.Response:
    """``{"muted": true}`` closes the microphone; ``false`` opens it again. With
    ``"satellite": ADDRESS`` the switch is that Wyoming satellite's instead. The switch is kept
    across restarts."""
    body = await read_body(request, _Mute, "invalid_body")
    if isinstance(body, web.Response):
        return body
    parts = request.app[PARTS]
    listening = parts.listening
    if body.satellite is None:
        listening.set_muted(body.muted)
    elif (ear := listening.satellites.get(body.satellite)) is not None:
        ear.set_muted(body.muted)
    else:
        known = ", ".join(listening.satellites) or "none"
        return error_response(
            404,
            "unknown_satellite",
            f"No satellite {body.satellite!r} is configured (JARVIS_WYOMING_SATELLITES: {known}).",
        )
    if parts.mutes is not None:
        await parts.mutes.save(body.satellite or MICROPHONE, body.muted)
    return web.json_response(listening.view())


async def stream_listening(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one ``listening`` event at once, then one per change (listening,
    thinking, speaking last a second or two: polling would miss them)."""
    listening = request.app[PARTS].listening
    changed = asyncio.Event()
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    stop_listening = listening.on_change(changed.set)
    try:
        while True:
            changed.clear()
            data = json.dumps(listening.view())
            await response.write(f"event: listening\ndata: {data}\n\n".encode())
            while not changed.is_set():
                try:
                    async with asyncio.timeout(KEEPALIVE_S):
                        await changed.wait()
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
    except ConnectionResetError:
        pass
    finally:
        stop_listening()
    return response


async def get_trace(request: web.Request) -> web.Response:
    """One utterance's path: the edge's own steps, then the cloud's and other edges' events."""
    parts = request.app[PARTS]
    record = await parts.conversation.lookup(request.match_info["id"])
    if record is None:
        return error_response(404, "not_found", "No utterance has that id.")
    events: list[dict[str, Any]] = [
        _edge_event(record.created_at, "utterance.received", {"text": record.text}),
        _edge_event(
            record.created_at + record.interpret_ms / 1000,
            "utterance.interpreted",
            {"intent": record.intent, "handled_by": record.handled_by},
        ),
    ]
    if record.handle_ms is not None:
        events.append(
            _edge_event(
                record.created_at + record.handle_ms / 1000,
                "utterance.answered",
                {"status": record.status, "reply": record.reply},
            )
        )
    cloud_problem = None
    if record.handled_by == "cloud" or parts.cloud.configured:
        try:
            found = await parts.cloud.get(f"traces/{record.trace_id}")
            events.extend(_cloud_event(event) for event in found.get("events", []))
        except ConsoleCloudError as error:
            if error.status != 404:
                cloud_problem = error.message
    events.sort(key=lambda event: event["at"])
    return web.json_response(
        {"trace_id": record.trace_id, "events": events, "cloud_problem": cloud_problem}
    )


NO_CLOUD = "This edge has no cloud brain configured."


async def get_missions(request: web.Request) -> web.Response:
    if not request.app[PARTS].cloud.configured:
        return web.json_response({"missions": [], "problem": NO_CLOUD})
    return await _from_cloud(request, "missions")


async def get_mission(request: web.Request) -> web.Response:
    return await _from_cloud(request, f"missions/{_segment(request, 'mission_id')}")


async def post_mission_cancel(request: web.Request) -> web.Response:
    return await _from_cloud(request, f"missions/{_segment(request, 'mission_id')}/cancel", "POST")


async def get_devices(request: web.Request) -> web.Response:
    if not request.app[PARTS].cloud.configured:
        return web.json_response({"devices": [], "problem": NO_CLOUD})
    return await _from_cloud(request, "devices")


async def _from_cloud(request: web.Request, path: str, method: str = "GET") -> web.Response:
    cloud = request.app[PARTS].cloud
    try:
        body = await (cloud.post(path) if method == "POST" else cloud.get(path))
    except ConsoleCloudError as error:
        return error_response(error.status, error.code, error.message)
    return web.json_response(body)


def _segment(request: web.Request, name: str) -> str:
    """A path segment safe to put in the cloud's URL (ids are letters, digits, - and _)."""
    value = request.match_info[name]
    if not value or len(value) > 64 or not all(c.isalnum() or c in "-_" for c in value):
        raise web.HTTPNotFound(text="No mission has that id.")
    return value


def _edge_event(at: float, kind: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": at,
        "source": "edge",
        "device_name": "this device",
        "kind": kind,
        "detail": detail,
    }


def _cloud_event(event: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    ts = event.get("ts")
    at = datetime.fromisoformat(ts).timestamp() if isinstance(ts, str) else 0.0
    return {
        "at": at,
        "source": event.get("source") or "cloud",
        "device_name": event.get("device_name") or event.get("device_id"),
        "kind": event.get("kind"),
        "detail": event.get("detail") or {},
    }


def _clean(text: str) -> str | web.Response:
    cleaned = " ".join(text.split())
    if not cleaned:
        return error_response(400, "invalid_body", "The text must not be blank.")
    if len(cleaned) > MAX_TEXT_CHARS:
        return error_response(
            400, "invalid_body", f"The text is longer than {MAX_TEXT_CHARS} characters."
        )
    unstorable = unstorable_character(cleaned)
    if unstorable:
        return error_response(400, "invalid_body", f"The text must not hold {unstorable}.")
    return cleaned


def _int_id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 18 else None

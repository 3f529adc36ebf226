"""The edge's HTTP API (aiohttp): utterances in, replies out, and a stream of every reply."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, TypeVar

import msgspec
import structlog
from aiohttp import StreamReader, web
from aiohttp.typedefs import Middleware

from assistant.conversation import Conversation
from assistant.events import WAKE_EVENT_KIND, Event, ReplyBus
from assistant.http_auth import AccessPolicy, access_middleware
from assistant.openapi import openapi_document
from assistant.skills.phrases import PhraseSkill
from jarvis import http_errors
from jarvis.http_errors import error_response
from jarvis.http_guard import BODY_TIMEOUT_S, host_guard
from models import DecodeError, strict_json, unstorable_character
from models.limits import ID_PATTERN, MAX_TEXT_CHARS
from models.phrases import MAX_ACTIONS_CHARS, MAX_PHRASE_CHARS
from understanding.doubted_words import doubted

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 16 * 1024
SSE_KEEPALIVE_S = 15.0
"""A comment line this often lets both ends notice a dead connection."""

T = TypeVar("T")

CONVERSATION = web.AppKey("conversation", Conversation)
BUS = web.AppKey("bus", ReplyBus)


class UtteranceRequest(msgspec.Struct, forbid_unknown_fields=False):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT_CHARS)]
    trace_id: Annotated[str, msgspec.Meta(pattern=ID_PATTERN)] | None = None
    spoken: bool = False
    """The text is what a recognizer heard (a phone's dictation): a misheard command is
    repaired as the microphone's are."""
    words_sure: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] | None = None
    """How sure that recognizer was of the words, when it is whisper (its mean token
    probability): doubted words need a surer guess of the learned tier."""


json_errors = http_errors.json_errors(internal_message="Something went wrong inside Jarvis.")
"""Every error leaves as ``{"error": {"code", "message"}}``, never as HTML or a traceback."""


async def read_body(request: web.Request, kind: type[T], code: str) -> T | web.Response:
    """The JSON body as ``kind``, or the error response that says what is wrong with it
    (415, 413, 400 ``invalid_json``, or 400 ``code`` naming the field)."""
    if request.content_type != "application/json":
        return error_response(415, "unsupported_media_type", "Send the body as application/json.")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _too_large()
    try:
        # Read at most one byte past the cap, so a body without Content-Length is capped too;
        # a client that dribbles it is cut off rather than holding the connection forever.
        async with asyncio.timeout(BODY_TIMEOUT_S):
            raw = await _read_capped(request.content, MAX_BODY_BYTES + 1)
    except ValueError:
        return error_response(400, "bad_body", "The request body could not be read.")
    except TimeoutError:
        return error_response(
            408, "request_timeout", f"The body did not arrive within {BODY_TIMEOUT_S:g} s."
        )
    if len(raw) > MAX_BODY_BYTES:
        return _too_large()
    try:
        payload = strict_json(raw, storable=False)
    except DecodeError as error:
        return error_response(400, "invalid_json", f"The body is {error.problem}.")
    try:
        return msgspec.convert(payload, kind)
    except msgspec.ValidationError as error:
        return error_response(400, code, _explain(error))


async def post_utterance(request: web.Request) -> web.Response:
    body = await read_body(request, UtteranceRequest, "invalid_utterance")
    if isinstance(body, web.Response):
        return body
    if not body.text.strip():
        return error_response(400, "invalid_utterance", "`text` must not be blank.")
    unstorable = unstorable_character(body.text)
    if unstorable:
        # Refused here, where the sender hears why: no store here holds it, and forwarded to
        # the cloud it would only fail there. Fields this API ignores may hold anything.
        return error_response(400, "invalid_utterance", f"`text` must not hold {unstorable}.")
    conversation = request.app[CONVERSATION]
    record = await conversation.submit(
        body.text.strip(), trace_id=body.trace_id, spoken=body.spoken,
        words_doubted=body.spoken and doubted(body.words_sure),
    )  # fmt: skip
    view = await conversation.describe(record)
    return web.json_response(view, status=202 if record.status == "pending" else 200)


async def get_utterance(request: web.Request) -> web.Response:
    conversation = request.app[CONVERSATION]
    record = await conversation.lookup(request.match_info["id"])
    if record is None:
        return error_response(404, "not_found", "No utterance has that id.")
    return web.json_response(await conversation.describe(record))


async def stream_events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one ``reply`` event per reply, local or asynchronous, each with its
    ``id``, and a ``wake`` event each time the wake word is heard. A client that reconnects
    with ``Last-Event-ID`` (as browsers do) first gets every event it missed; a new one, the
    alerts of the last 10 minutes no client has seen, unless it asks for none (``?replay=0``:
    a client that only waits for its own answer)."""
    bus = request.app[BUS]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    replay = request.query.get("replay") != "0"
    async with bus.stream(_last_event_id(request), replay=replay) as events:
        try:
            # Tell the client it is subscribed, so it can send its utterance without a race.
            await response.write(b": subscribed\n\n")
            while True:
                try:
                    async with asyncio.timeout(SSE_KEEPALIVE_S):
                        event = await events.get()
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                await response.write(_sse(event, bus.now()))
                bus.seen(event)
        except ConnectionResetError:
            log.debug("sse.client_gone")
    return response


def _sse(event: Event, now: float) -> bytes:
    # The data stays the reply as it always was; the id says when (microseconds since 1970).
    data = json.dumps(event.told_at(now).to_wire(), ensure_ascii=False)
    name = "wake" if event.reply.kind == WAKE_EVENT_KIND else "reply"
    return f"id: {event.id}\nevent: {name}\ndata: {data}\n\n".encode()


def _last_event_id(request: web.Request) -> int | None:
    """The SSE ``Last-Event-ID`` header (or ``?last_event_id=``); one that is not an id this
    edge gave is treated as absent."""
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if raw is None or not raw.strip().isdigit():
        return None
    return int(raw.strip())


async def get_status(request: web.Request) -> web.Response:
    """Who this edge is and whether its link to the cloud brain is up."""
    return web.json_response(request.app[CONVERSATION].status())


class PhraseRequest(msgspec.Struct, forbid_unknown_fields=False):
    phrase: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PHRASE_CHARS)]
    actions: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ACTIONS_CHARS)]


async def get_phrases(request: web.Request) -> web.Response:
    """The phrases the user taught, as this edge knows them (the cloud's list, or its copy)."""
    skill = _phrase_skill(request)
    return web.json_response({"phrases": [taught.to_wire() for taught in skill.all()]})


async def post_phrase(request: web.Request) -> web.Response:
    """Teach a phrase: 201 with the reply, or 409 ``phrase_refused`` saying why not (it would
    shadow a command or another phrase, or what it should do is not a local command)."""
    body = await read_body(request, PhraseRequest, "invalid_phrase")
    if isinstance(body, web.Response):
        return body
    unstorable = unstorable_character(body.phrase + body.actions)
    if unstorable:
        return error_response(400, "invalid_phrase", f"The phrase must not hold {unstorable}.")
    outcome = await _phrase_skill(request).teach(body.phrase, body.actions)
    if not outcome.ok:
        return error_response(409, "phrase_refused", outcome.reply)
    return web.json_response({"phrase": body.phrase.strip(), "reply": outcome.reply}, status=201)


async def delete_phrase(request: web.Request) -> web.Response:
    """Forget a phrase: 200 with the reply, or 404 when it was never taught."""
    outcome = await _phrase_skill(request).forget(request.match_info["phrase"])
    if not outcome.ok:
        return error_response(404, "not_found", outcome.reply)
    return web.json_response({"reply": outcome.reply})


def _phrase_skill(request: web.Request) -> PhraseSkill:
    skill = request.app[CONVERSATION].phrases
    if skill is None:
        raise web.HTTPNotFound(text="This edge keeps no taught phrases.")
    return skill


async def get_openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


async def _read_capped(content: StreamReader, cap: int) -> bytes:
    """The body up to ``cap`` bytes: read until its end, as it may come in many segments."""
    body = bytearray()
    while len(body) < cap and (chunk := await content.read(cap - len(body))):
        body += chunk
    return bytes(body)


def _too_large() -> web.Response:
    return error_response(
        413, "body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes."
    )


def _explain(error: msgspec.ValidationError) -> str:
    message = str(error).replace("$.", "")
    return message[:1].upper() + message[1:] + "."


def create_api(
    conversation: Conversation,
    bus: ReplyBus,
    *,
    access: AccessPolicy | None = None,
    hosts: frozenset[str] = frozenset(),
) -> web.Application:
    """The API; ``access`` (from ``http_auth.access_policy``) guards every route when given.
    Only requests whose ``Host`` is loopback or one of ``hosts`` are answered (421 else)."""
    middlewares: list[Middleware] = [json_errors]
    if access is not None:
        # Outermost, so a refused request never reaches a handler or reads its body.
        middlewares.insert(0, access_middleware(access))
    middlewares.insert(0, host_guard(hosts))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[CONVERSATION] = conversation
    app[BUS] = bus
    app.router.add_post("/v1/utterances", post_utterance)
    app.router.add_get("/v1/utterances/{id}", get_utterance)
    app.router.add_get("/v1/events", stream_events)
    app.router.add_get("/v1/status", get_status)
    app.router.add_get("/v1/openapi.json", get_openapi)
    app.router.add_get("/v1/phrases", get_phrases)
    app.router.add_post("/v1/phrases", post_phrase)
    app.router.add_delete("/v1/phrases/{phrase}", delete_phrase)
    return app

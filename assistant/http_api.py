"""The edge's HTTP API (aiohttp): utterances in, replies out, and a stream of every reply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated

import msgspec
import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

from assistant.conversation import Conversation
from assistant.events import WAKE_EVENT_KIND, ReplyBus
from assistant.http_auth import AccessPolicy, access_middleware
from assistant.openapi import openapi_document
from models import DecodeError, strict_json, unstorable_character

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 16 * 1024
MAX_TEXT_CHARS = 4000
SSE_KEEPALIVE_S = 15.0
"""A comment line this often lets both ends notice a dead connection."""

CONVERSATION = web.AppKey("conversation", Conversation)
BUS = web.AppKey("bus", ReplyBus)


class UtteranceRequest(msgspec.Struct, forbid_unknown_fields=False):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT_CHARS)]
    trace_id: Annotated[str, msgspec.Meta(pattern="^[0-9A-Za-z_-]{1,64}$")] | None = None


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as ``{"error": {"code", "message"}}``, never as HTML or a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = error.reason.lower().replace(" ", "_")
        response = error_response(error.status, code, error.text or error.reason)
        if isinstance(error, web.HTTPMethodNotAllowed):
            response.headers["Allow"] = ", ".join(sorted(error.allowed_methods))
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("http.unhandled_error", path=request.path)
        return error_response(500, "internal", "Something went wrong inside Jarvis.")


async def post_utterance(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return error_response(
            415, "unsupported_media_type", "Send the utterance as application/json."
        )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return _too_large()
    try:
        # Read at most one byte past the cap, so a body without Content-Length is capped too.
        raw = await request.content.read(MAX_BODY_BYTES + 1)
    except ValueError:
        return error_response(400, "bad_body", "The request body could not be read.")
    if len(raw) > MAX_BODY_BYTES:
        return _too_large()
    try:
        payload = strict_json(raw, storable=False)
    except DecodeError as error:
        return error_response(400, "invalid_json", f"The body is {error.problem}.")
    try:
        body = msgspec.convert(payload, UtteranceRequest)
    except msgspec.ValidationError as error:
        return error_response(400, "invalid_utterance", _explain(error))
    if not body.text.strip():
        return error_response(400, "invalid_utterance", "`text` must not be blank.")
    unstorable = unstorable_character(body.text)
    if unstorable:
        # Refused here, where the sender hears why: no store here holds it, and forwarded to
        # the cloud it would only fail there. Fields this API ignores may hold anything.
        return error_response(400, "invalid_utterance", f"`text` must not hold {unstorable}.")
    conversation = request.app[CONVERSATION]
    record = await conversation.submit(body.text.strip(), trace_id=body.trace_id)
    view = await conversation.describe(record)
    return web.json_response(view, status=202 if record.status == "pending" else 200)


async def get_utterance(request: web.Request) -> web.Response:
    conversation = request.app[CONVERSATION]
    record = await conversation.lookup(request.match_info["id"])
    if record is None:
        return error_response(404, "not_found", "No utterance has that id.")
    return web.json_response(await conversation.describe(record))


async def stream_events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one ``reply`` event per reply, local or asynchronous, and a ``wake``
    event each time the wake word is heard."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    async with request.app[BUS].subscribe() as replies:
        try:
            # Tell the client it is subscribed, so it can send its utterance without a race.
            await response.write(b": subscribed\n\n")
            while True:
                try:
                    reply = await asyncio.wait_for(replies.get(), SSE_KEEPALIVE_S)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                data = json.dumps(reply.to_wire(), ensure_ascii=False)
                name = "wake" if reply.kind == WAKE_EVENT_KIND else "reply"
                await response.write(f"event: {name}\ndata: {data}\n\n".encode())
        except ConnectionResetError:
            log.debug("sse.client_gone")
    return response


async def get_status(request: web.Request) -> web.Response:
    """Who this edge is and whether its link to the cloud brain is up."""
    return web.json_response(request.app[CONVERSATION].status())


async def get_openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def _too_large() -> web.Response:
    return error_response(
        413, "body_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes."
    )


def _explain(error: msgspec.ValidationError) -> str:
    message = str(error).replace("$.", "")
    return message[:1].upper() + message[1:] + "."


def create_api(
    conversation: Conversation, bus: ReplyBus, *, access: AccessPolicy | None = None
) -> web.Application:
    """The API; ``access`` (from ``http_auth.access_policy``) guards every route when given."""
    middlewares: list[Middleware] = [json_errors]
    if access is not None:
        # Outermost, so a refused request never reaches a handler or reads its body.
        middlewares.insert(0, access_middleware(access, error_response))
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY_BYTES)
    app[CONVERSATION] = conversation
    app[BUS] = bus
    app.router.add_post("/v1/utterances", post_utterance)
    app.router.add_get("/v1/utterances/{id}", get_utterance)
    app.router.add_get("/v1/events", stream_events)
    app.router.add_get("/v1/status", get_status)
    app.router.add_get("/v1/openapi.json", get_openapi)
    return app

"""``GET /v1/edge``: the WebSocket every edge keeps open to the cloud.

Each text frame is one ``models.Envelope``. The first must be ``hello``; the cloud answers
``welcome`` and starts sending the device's outbox. A bad frame gets an ``error`` message and the
link stays open: nothing an edge sends can crash the handler or drop the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Literal

import aiohttp
import asyncpg
import structlog
from aiohttp import web

from cloud.capabilities import phrases
from cloud.errors import NotFoundError, TooLargeError, UnstorableError
from cloud.keys import ACKS, INSTANCE_ID, LINKS, MISSION_CONFIG, POOL, REQUESTS, WEATHER_PUSHER
from cloud.link import handlers as edge_messages
from cloud.link import mission_messages
from cloud.link import phrases as phrase_messages
from cloud.link.handlers import Context
from cloud.link.registry import EdgeLink
from cloud.missions import lifecycle as missions
from cloud.store import device_state, devices, traces
from jarvis.logs import traced
from jarvis.tasks import cancel_and_wait
from models import MAX_FRAME_BYTES, DecodeError, Envelope, messages, new_id
from models.codec import from_wire
from models.envelope import readable_id, too_large
from models.messages import HelloBody, MessageType, WelcomeBody, body_of
from models.settings import DeviceSettings

log = structlog.get_logger(__name__)

TRANSPORT_CAP_BYTES = 1024 * 1024
"""aiohttp closes the socket above this; between it and ``MAX_FRAME_BYTES`` a frame is answered
``too_large``, naming it when its id can be read, so the edge drops it instead of resending."""
HEARTBEAT_S = 10
IDLE_TIMEOUT_S = 4 * HEARTBEAT_S
"""A link with no frame for this long is closed (the edge heartbeats every HEARTBEAT_S)."""
PING_EVERY_S = IDLE_TIMEOUT_S
"""WebSocket pings on a quiet link; a peer that does not answer in half of this is gone."""
HELLO_TIMEOUT_S = 30.0
DB_TIMEOUT_S = 5.0

_CLOSING = {
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
}

Handler = Callable[[Context, Envelope], Awaitable[None]]
HANDLERS: dict[str, Handler] = {
    MessageType.REQUEST: edge_messages.on_request,
    MessageType.COMMAND_RESULT: edge_messages.on_command_result,
    MessageType.HEARTBEAT: edge_messages.on_heartbeat,
    MessageType.ACK: edge_messages.on_ack,
    MessageType.CHECKPOINT: mission_messages.on_checkpoint,
    MessageType.MISSION_RESULT: mission_messages.on_mission_result,
    MessageType.TRACE_EVENT: mission_messages.on_trace_event,
    MessageType.PHRASES_UPDATE: phrase_messages.on_phrases_update,
    MessageType.ERROR: edge_messages.on_error,
}
"""What an edge may send once welcomed, by type; each handler reads its typed body
(``models.messages.body_of``)."""


async def edge_socket(request: web.Request) -> web.WebSocketResponse:
    """Authenticate (401 JSON before the upgrade), then serve the link until it closes."""
    pool = request.app[POOL]
    authorization = request.headers.get("Authorization")
    device_id = await devices.authenticate_device(pool, authorization)
    token_hash = devices.hash_token(devices.bearer_token(authorization))
    ws = web.WebSocketResponse(max_msg_size=TRANSPORT_CAP_BYTES, heartbeat=PING_EVERY_S)
    await ws.prepare(request)
    link = EdgeLink(ws, device_id, pool, token_hash)
    with traced(device_id=device_id):
        log.info("edge connected", remote=request.remote)
        try:
            await _serve(request.app, link)
        finally:
            await _disconnected(request.app, link)
            log.info("edge disconnected", close_code=ws.close_code)
    return ws


async def _serve(app: web.Application, link: EdgeLink) -> None:
    here = edge_messages.Here(app[INSTANCE_ID], app[LINKS])
    ctx = Context(link=link, pool=app[POOL], requests=app[REQUESTS], acks=app[ACKS], here=here)
    flusher: asyncio.Task[None] | None = None
    try:
        while not link.ws.closed:
            # Once welcomed, the registry's watchdog minds silence (no timer per frame).
            timeout = None if flusher else HELLO_TIMEOUT_S
            try:
                message = await link.ws.receive(timeout=timeout)
            except TimeoutError:
                await link.ws.close(code=4008, message=b"no hello")
                return
            if message.type in _CLOSING:
                return
            link.heard()
            envelope = await _envelope(link, message)
            if envelope is None:
                continue
            with traced(trace_id=envelope.trace_id):
                if envelope.type == MessageType.HELLO:
                    outcome = await _guarded_hello(app, link, envelope)
                    if outcome == "closed":
                        return
                    if outcome == "welcomed" and flusher is None:
                        flusher = asyncio.create_task(link.flush_forever())
                elif flusher is None:
                    await link.send_error(
                        "hello_required", "Send hello first.", envelope.id, envelope.trace_id
                    )
                else:
                    await _dispatch(ctx, envelope)
    except ConnectionResetError:
        log.info("edge went away mid-send")
    finally:
        if flusher is not None:
            await cancel_and_wait(flusher)


async def _envelope(link: EdgeLink, message: aiohttp.WSMessage) -> Envelope | None:
    """The frame's envelope, or None after telling the edge what was wrong with it."""
    trace_id = new_id()
    if message.type != aiohttp.WSMsgType.TEXT:
        await link.send_error(
            "unsupported",
            "Only text frames holding one JSON envelope are accepted.",
            None,
            trace_id,
        )
        return None
    raw: str = message.data
    if too_large(raw):
        await link.send_error(
            "too_large",
            f"A frame may hold at most {MAX_FRAME_BYTES} bytes.",
            readable_id(raw),
            trace_id,
        )
        return None
    try:
        return Envelope.decode(raw)
    except DecodeError as error:
        await link.send_error("bad_envelope", str(error), readable_id(raw), trace_id)
        return None


async def _dispatch(ctx: Context, envelope: Envelope) -> None:
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        known = ", ".join(sorted([*HANDLERS, MessageType.HELLO]))
        await ctx.link.send_error(
            "unknown_type",
            f"Unknown message type {envelope.type!r}; expected one of {known}.",
            envelope.id,
            envelope.trace_id,
        )
        return
    try:
        await handler(ctx, envelope)
    except DecodeError as error:
        await ctx.link.send_error("bad_body", str(error), envelope.id, envelope.trace_id)
    except (NotFoundError, TooLargeError) as error:
        # Refused for good (models.REFUSED_FOR_GOOD): the edge stops sending it and says so.
        await ctx.link.send_error(error.code, error.message, envelope.id, envelope.trace_id)
    except asyncpg.DataError as error:
        # The data itself, which the strict decoder did not catch: sent again, it would fail
        # the same way, so it is refused for good rather than retried forever.
        log.warning(
            "message unstorable", type=envelope.type, message_id=envelope.id, error=str(error)
        )
        refused = UnstorableError.of(error)
        await ctx.link.send_error(refused.code, refused.message, envelope.id, envelope.trace_id)
    except ConnectionResetError:
        raise
    except Exception:
        # Not acked: the edge sends it again later. The link itself stays up.
        log.exception("message failed", type=envelope.type, message_id=envelope.id)
        await ctx.link.send_error(
            "internal",
            "The cloud could not handle this message; it will be retried.",
            envelope.id,
            envelope.trace_id,
        )


HelloOutcome = Literal["welcomed", "refused", "closed"]
"""``refused``: an error was sent and another hello may follow; ``closed``: the link is over."""


async def _guarded_hello(app: web.Application, link: EdgeLink, envelope: Envelope) -> HelloOutcome:
    try:
        return await _on_hello(app, link, envelope)
    except ConnectionResetError:
        raise
    except Exception:
        log.exception("hello failed")
        await link.send_error(
            "internal",
            "The cloud could not handle hello; send it again.",
            envelope.id,
            envelope.trace_id,
        )
        return "refused"


async def _on_hello(app: web.Application, link: EdgeLink, envelope: Envelope) -> HelloOutcome:
    """Check and record the device, and answer welcome."""
    try:
        hello = body_of(envelope, HelloBody)
    except DecodeError as error:
        await link.send_error("bad_body", str(error), envelope.id, envelope.trace_id)
        return "refused"
    device, version = hello.device.device(), hello.version
    if device.id != link.device_id:
        log.warning("hello from another device's token", claimed=device.id)
        await link.send_error(
            "device_mismatch",
            "This token belongs to another device.",
            envelope.id,
            envelope.trace_id,
        )
        await link.ws.close(code=4003, message=b"device mismatch")
        return "closed"
    settings = await device_state.connected(
        app[POOL], device, version=version, instance_id=app[INSTANCE_ID]
    )
    await traces.record(
        app[POOL],
        envelope.trace_id,
        "received.hello",
        device_id=device.id,
        detail={"version": version, "instance_id": app[INSTANCE_ID]},
    )
    link.heard_stamp(envelope.ts)
    old = app[LINKS].add(link)
    if old is not None:
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(DB_TIMEOUT_S):
                await old.ws.close(code=4000, message=b"replaced by a newer connection")
    heartbeat_s = app[MISSION_CONFIG].heartbeat_s(HEARTBEAT_S)
    body = WelcomeBody(
        instance_id=app[INSTANCE_ID],
        heartbeat_s=heartbeat_s,
        config=None if settings is None else from_wire(settings, DeviceSettings, "settings"),
        phrases=[phrase.to_wire() for phrase in await phrases.listing(app[POOL])],
    )
    await link.send(messages.envelope(body, trace_id=envelope.trace_id))
    await missions.worker_ready(app[POOL], device.id, lease_s=app[MISSION_CONFIG].lease_s)
    if (pusher := app.get(WEATHER_PUSHER)) is not None:
        pusher.wake(device.id)  # its own forecast, soon
    return "welcomed"


async def _disconnected(app: web.Application, link: EdgeLink) -> None:
    if not app[LINKS].remove(link):
        return
    # Only if it still names this instance: the device may already hold a link elsewhere.
    with contextlib.suppress(Exception):
        await device_state.disconnected(
            app[POOL], link.device_id, app[INSTANCE_ID], timeout_s=DB_TIMEOUT_S
        )

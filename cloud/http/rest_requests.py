"""Requests over plain HTTP, for edges that cannot hold a WebSocket (captive proxies).

``POST /v1/requests`` goes through exactly what a WebSocket ``request`` does
(``RequestBatches.handle``: de-duplication by message id, the planner, one transaction),
so its reply lands in the device's outbox; ``GET /v1/requests/{utterance_id}/reply`` polls for
it. Both take the device token as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import structlog
from aiohttp import web

from cloud.errors import InvalidRequestError, InvalidUtteranceError
from cloud.http.bodies import json_body
from cloud.keys import INSTANCE_ID, LINKS, POOL, REQUESTS
from cloud.store import devices, outbox
from jarvis.logs import traced
from models import DecodeError, Envelope, Reply, Utterance, messages, new_id
from models.limits import check_id, check_utterance

log = structlog.get_logger(__name__)

routes = web.RouteTableDef()


@routes.post("/v1/requests")
async def post_request(request: web.Request) -> web.Response:
    """``{"utterance": Utterance.to_wire(), "id"?: str}`` → ``202 {"id", "utterance_id",
    "duplicate"}`` once the request, its effects and its reply are stored.

    ``id`` is the idempotency key (the WebSocket envelope's ``id``): a request sent again with the
    same ``id`` is answered 202 with ``"duplicate": true`` and planned only once. Without it, a
    fresh id is made and nothing is de-duplicated. 400 names the field at fault.
    """
    pool = request.app[POOL]
    device_id = await devices.authenticate_device(pool, request.headers.get("Authorization"))
    envelope = _envelope(await json_body(request))
    with traced(device_id=device_id, trace_id=envelope.trace_id):
        # A poller reads replies only: the second chance's device_intent would never reach it.
        handled = await request.app[REQUESTS].handle(device_id, envelope, may_send_back=False)
        await request.app[REQUESTS].settled(handled)
    if handled.fresh and handled.holder == request.app[INSTANCE_ID]:
        request.app[LINKS].wake(device_id)
    body = {
        "id": envelope.id,
        "utterance_id": envelope.body["utterance"]["id"],
        "duplicate": not handled.fresh,
    }
    return web.json_response(body, status=202)


@routes.get("/v1/requests/{utterance_id}/reply")
async def get_reply(request: web.Request) -> web.Response:
    """``200 Reply.to_wire()`` once the reply to the utterance is in the device's outbox, which
    marks it delivered (as an ack on the WebSocket would); ``204`` (no body) while it is pending.

    Poll again after a 204. A reply already delivered is answered again (the one delivered last),
    so a client that lost a response can simply repeat the GET. A later reply to the same
    utterance (a reminder it set) is returned first while it is pending.
    """
    pool = request.app[POOL]
    device_id = await devices.authenticate_device(pool, request.headers.get("Authorization"))
    found = await outbox.reply_to(pool, device_id, request.match_info["utterance_id"])
    if found is None:
        return web.Response(status=204)
    envelope = found.envelope
    with traced(device_id=device_id, trace_id=envelope.trace_id):
        await outbox.acknowledge(pool, device_id, [envelope.id])
        log.debug("reply fetched", message_id=envelope.id)
    return web.json_response(messages.body_of(envelope, Reply).to_wire())


def _envelope(body: Any) -> Envelope:
    """The request envelope a POST body stands for; InvalidRequestError names a bad field."""
    if not isinstance(body, dict):
        raise InvalidRequestError("body: expected a JSON object")
    try:
        utterance = Utterance.from_wire(body.get("utterance"), "utterance")
    except DecodeError as error:
        raise InvalidRequestError(str(error)) from None
    if not utterance.trace_id:
        utterance = dataclasses.replace(utterance, trace_id=new_id())
    try:
        # The edge's own limits: what it would refuse is refused here too, before the planner
        # makes a reply too big for the link out of it.
        check_utterance(utterance)
    except DecodeError as error:
        raise InvalidUtteranceError(str(error)) from None
    message_id = body.get("id", None)
    try:
        message_id = new_id() if message_id is None else check_id(message_id, "id")
    except DecodeError as error:
        raise InvalidRequestError(str(error)) from None
    return messages.envelope(
        messages.RequestBody(utterance), id=message_id, trace_id=utterance.trace_id
    )

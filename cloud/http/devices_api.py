"""The cloud's HTTP routes: health, device administration, and device settings."""

from __future__ import annotations

from aiohttp import web

from cloud.errors import InvalidRequestError
from cloud.http.auth import require_admin, require_device_or_admin
from cloud.http.bodies import json_body
from cloud.keys import INSTANCE_ID, POOL, WEATHER_PUSHER
from cloud.store import database, device_config, devices
from models import new_id
from models.limits import MAX_ID_CHARS, is_well_formed_id

routes = web.RouteTableDef()


@routes.get("/v1/health")
async def health(request: web.Request) -> web.Response:
    await database.ping(request.app[POOL])
    return web.json_response({"status": "ok", "instance_id": request.app[INSTANCE_ID]})


@routes.post("/v1/admin/devices")
async def enroll(request: web.Request) -> web.Response:
    """``{"name"}`` → ``201 {"device_id", "name", "token"}``; the token is shown only here."""
    require_admin(request)
    body = await json_body(request)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str):
        raise InvalidRequestError("name: expected a string")
    device_id, token = await devices.enroll_device(request.app[POOL], name)
    return web.json_response(
        {"device_id": device_id, "name": " ".join(name.split()), "token": token}, status=201
    )


@routes.get("/v1/admin/devices")
async def list_devices(request: web.Request) -> web.Response:
    require_admin(request)
    found = await devices.list_devices(request.app[POOL])
    return web.json_response({"devices": [device.to_json() for device in found]})


@routes.delete("/v1/admin/devices/{device_id}/token")
async def revoke(request: web.Request) -> web.Response:
    require_admin(request)
    device_id = await devices.revoke_token(request.app[POOL], request.match_info["device_id"])
    return web.json_response({"device_id": device_id, "revoked": True})


@routes.get("/v1/devices/{device_id}/config")
async def get_config(request: web.Request) -> web.Response:
    device_id = request.match_info["device_id"]
    await require_device_or_admin(request, device_id)
    return web.json_response(await device_config.get_settings(request.app[POOL], device_id))


@routes.put("/v1/devices/{device_id}/config")
async def put_config(request: web.Request) -> web.Response:
    """Replace the device's settings (a JSON object) and push them to it."""
    device_id = request.match_info["device_id"]
    await require_device_or_admin(request, device_id)
    settings = device_config.parse_settings(await json_body(request))
    trace_id = request.headers.get("X-Trace-Id") or new_id()
    if not is_well_formed_id(trace_id):
        raise InvalidRequestError(
            f"X-Trace-Id: expected an id of 1 to {MAX_ID_CHARS} letters, digits, _ or -"
        )
    stored = await device_config.put_settings(
        request.app[POOL], device_id, settings, trace_id=trace_id
    )
    if (pusher := request.app.get(WEATHER_PUSHER)) is not None:
        pusher.wake(device_id)  # its place may be another now
    return web.json_response(stored)

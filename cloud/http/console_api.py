"""What an edge's web console may read and do in the cloud, with that edge's own device token.

The browser never talks to the cloud: the edge calls these routes on its behalf (see
``assistant/console/cloud_client.py``). A device sees the missions it asked for or runs, the
devices of its household and whether they are connected, and the traces it took part in; it may
cancel a mission it asked for or runs, as it may by voice ("cancel my backup script").

``GET /v1/console/missions`` · ``GET /v1/console/missions/{id}`` ·
``POST /v1/console/missions/{id}/cancel`` · ``GET /v1/console/devices`` ·
``GET /v1/console/traces/{trace_id}``
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cloud.errors import ConflictError, InvalidRequestError, NotFoundError
from cloud.keys import POOL
from cloud.missions import cancel as mission_cancel
from cloud.missions import views as mission_views
from cloud.store import devices, traces
from cloud.store import missions as stored_missions
from cloud.store.database import ACQUIRE_TIMEOUT_S

routes = web.RouteTableDef()

CONSOLE_MISSIONS = 30
"""Missions a console lists: the unfinished ones and the most recent others."""


async def _caller(request: web.Request) -> str:
    return await devices.authenticate_device(
        request.app[POOL], request.headers.get("Authorization")
    )


def _concerns(mission: dict[str, Any], device_id: str) -> bool:
    return device_id in (mission["requested_by"], mission["assigned_to"])


@routes.get("/v1/console/missions")
async def console_missions(request: web.Request) -> web.Response:
    """The caller's missions (asked for or run by it), unfinished first, then by recency."""
    device_id = await _caller(request)
    rows = await stored_missions.of_device(
        request.app[POOL],
        device_id,
        unfinished=mission_cancel.UNFINISHED,
        limit=CONSOLE_MISSIONS,
    )
    return web.json_response({"missions": [mission_views.summary_of(row) for row in rows]})


@routes.get("/v1/console/missions/{mission_id}")
async def console_mission(request: web.Request) -> web.Response:
    """One of the caller's missions with its steps, checkpoints and event log."""
    device_id = await _caller(request)
    found = await mission_views.mission_detail(request.app[POOL], request.match_info["mission_id"])
    if found is None or not _concerns(found, device_id):
        raise NotFoundError("This device has no such mission.")
    return web.json_response(found)


@routes.post("/v1/console/missions/{mission_id}/cancel")
async def console_cancel(request: web.Request) -> web.Response:
    """Stop one of the caller's unfinished missions → the mission, now ``cancelled``."""
    device_id = await _caller(request)
    mission_id = request.match_info["mission_id"]
    pool = request.app[POOL]
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        row = await stored_missions.lock_with_worker(conn, mission_id)
        if row is None or device_id not in (row["requested_by"], row["assigned_to"]):
            raise NotFoundError("This device has no such mission.")
        if row["state"] not in mission_cancel.UNFINISHED:
            raise ConflictError(f"The mission has ended already: it is {row['state']}.")
        await mission_cancel.cancel(conn, row, reason=mission_cancel.BY_CONSOLE)
    found = await mission_views.mission_detail(pool, mission_id)
    return web.json_response(found)


@routes.get("/v1/console/devices")
async def console_devices(request: web.Request) -> web.Response:
    """Every enrolled device of this cloud: its name and whether it is connected now."""
    await _caller(request)
    found = await devices.list_devices(request.app[POOL])
    return web.json_response(
        {
            "devices": [
                {
                    "id": device.id,
                    "name": device.name,
                    "online": device.online,
                    "last_seen": device.last_seen.isoformat() if device.last_seen else None,
                }
                for device in found
                if not device.revoked
            ]
        }
    )


@routes.get("/v1/console/traces/{trace_id}")
async def console_trace(request: web.Request) -> web.Response:
    """The cloud and edge events of a trace the caller took part in."""
    device_id = await _caller(request)
    trace_id = request.match_info["trace_id"]
    if not 1 <= len(trace_id) <= 64:
        raise InvalidRequestError("trace_id: 1 to 64 characters")
    pool = request.app[POOL]
    if not await traces.involved(pool, trace_id, device_id):
        raise NotFoundError("This device took no part in that trace.")
    return web.json_response(
        {"trace_id": trace_id, "events": await mission_views.timeline(pool, trace_id)}
    )

"""HTTP routes for missions, traces and the script registry.

``GET /v1/missions/{id}`` (the admin token, or the token of the device that asked),
``GET /v1/missions`` (admin; ``?state=&limit=``), ``GET /v1/traces/{trace_id}`` (admin: the
merged cloud and edge timeline), ``PUT /v1/admin/scripts/{name}`` (admin; ``{"code",
"packages"}``), ``GET /v1/admin/scripts`` (admin), ``POST /v1/admin/missions`` (admin: a
mission given step by step, routed as a spoken one is) and ``POST
/v1/admin/missions/{id}/cancel`` (admin).
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from aiohttp import web

from cloud.errors import InvalidRequestError, NotFoundError, UnauthorizedError
from cloud.http.auth import admin_or_device, require_admin
from cloud.http.bodies import json_body
from cloud.keys import POOL
from cloud.missions import cancel as mission_cancel
from cloud.missions import carry_out as mission_skills
from cloud.missions import scripts
from cloud.missions import views as mission_views
from cloud.missions.plans import PRIVACY_CAPABILITY, StartMission, StepPlan
from cloud.store import device_state
from cloud.store.database import ACQUIRE_TIMEOUT_S
from models import new_id
from models.missions import STEP_ACTIONS, MissionKind, MissionState

MAX_STEPS = 50
"""As the edge's runners allow (``PayloadLimits.max_steps``)."""
MAX_PARAMS_BYTES = 16 * 1024
"""UTF-8 JSON size of one step's params, ``code`` aside (the runners' cap)."""
MAX_KEY_LENGTH = 200

routes = web.RouteTableDef()


@routes.get("/v1/missions/{mission_id}")
async def get_mission(request: web.Request) -> web.Response:
    """The mission with its steps, state, result, checkpoints and event log."""
    caller = await admin_or_device(request)
    mission_id = request.match_info["mission_id"]
    found = await mission_views.mission_detail(request.app[POOL], mission_id)
    if found is not None and caller is not None and found["requested_by"] != caller:
        raise UnauthorizedError("other device")
    if found is None:
        raise NotFoundError(f"No mission {mission_id!r}.")
    return web.json_response(found)


@routes.get("/v1/missions")
async def list_missions(request: web.Request) -> web.Response:
    require_admin(request)
    state = request.query.get("state") or None
    if state is not None and state not in {member.value for member in MissionState}:
        raise InvalidRequestError(f"state: {state!r} is not a mission state")
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise InvalidRequestError("limit: expected an integer") from None
    found = await mission_views.list_missions(request.app[POOL], limit=limit, state=state)
    return web.json_response({"missions": found})


@routes.get("/v1/traces/{trace_id}")
@routes.get("/v1/admin/traces/{trace_id}")  # the first name it had; kept for old callers
async def get_trace(request: web.Request) -> web.Response:
    """Every cloud and edge event of one trace, by time, with the gap since the one before."""
    require_admin(request)
    trace_id = request.match_info["trace_id"]
    found = await mission_views.timeline(request.app[POOL], trace_id)
    return web.json_response({"trace_id": trace_id, "events": found})


@routes.put("/v1/admin/scripts/{name}")
async def put_script(request: web.Request) -> web.Response:
    """``{"code": str, "packages": [str]}`` → ``201`` (new) or ``200`` (replaced) with the
    script's name, packages and size."""
    require_admin(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidRequestError("body: expected a JSON object")
    script, created = await scripts.put_script(
        request.app[POOL], request.match_info["name"], body.get("code"), body.get("packages")
    )
    return web.json_response(script.to_json(), status=201 if created else 200)


@routes.get("/v1/admin/scripts")
async def get_scripts(request: web.Request) -> web.Response:
    require_admin(request)
    found = await scripts.list_scripts(request.app[POOL])
    return web.json_response({"scripts": [script.to_json() for script in found]})


@routes.post("/v1/admin/missions")
async def post_mission(request: web.Request) -> web.Response:
    """``{"kind", "steps": [{"action", "params"}], "device_name"?, "requested_by"?,
    "idempotency_key"?}`` → ``201`` with the mission (``200`` with the existing one for a known
    idempotency key); the asker, when given, hears the result as news."""
    require_admin(request)
    view, created = await submit_mission(request.app[POOL], await json_body(request))
    return web.json_response(view, status=201 if created else 200)


@routes.post("/v1/admin/missions/{mission_id}/cancel")
async def cancel_mission(request: web.Request) -> web.Response:
    """Stop an unfinished mission → ``200`` with the mission, now ``cancelled``; ``404`` for
    an unknown one, ``409`` for one that has ended. Its worker is told to stop, its asker
    hears it was stopped."""
    require_admin(request)
    mission_id = request.match_info["mission_id"]
    await mission_cancel.cancel_by_id(request.app[POOL], mission_id)
    found = await mission_views.mission_detail(request.app[POOL], mission_id)
    return web.json_response(found)


async def submit_mission(pool: asyncpg.Pool, body: object) -> tuple[dict[str, Any], bool]:
    """Store and route the mission ``body`` describes (as ``POST /v1/admin/missions`` and
    ``jarvis missions submit`` take it); returns its view and whether it is new.
    InvalidRequestError names the bad field."""
    if not isinstance(body, dict):
        raise InvalidRequestError("body: expected a JSON object")
    spec = mission_spec(body)
    requested_by = _optional_str(body, "requested_by")
    key = _optional_str(body, "idempotency_key") or f"admin:{new_id()}"
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidRequestError(f"idempotency_key: at most {MAX_KEY_LENGTH} characters")
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        if requested_by is not None and not await device_state.is_valid(conn, requested_by):
            raise InvalidRequestError(f"requested_by: no enrolled device {requested_by!r}")
        created = await mission_skills.submit(
            conn, spec, requested_by=requested_by, trace_id=new_id(), idempotency_key=key
        )
    if isinstance(created, str):
        raise InvalidRequestError(f"device_name: {created}")
    view = await mission_views.mission_detail(pool, created.mission_id)
    assert view is not None  # just stored, and missions are never deleted
    return view, not created.duplicate


def mission_spec(body: dict[str, Any]) -> StartMission:
    """The mission an admin body describes, or InvalidRequestError naming the bad field."""
    try:
        kind = MissionKind(str(body.get("kind")))
    except ValueError:
        allowed = ", ".join(member.value for member in MissionKind)
        raise InvalidRequestError(f"kind: expected one of {allowed}") from None
    raw_steps = body.get("steps")
    if not isinstance(raw_steps, list) or not 1 <= len(raw_steps) <= MAX_STEPS:
        raise InvalidRequestError(f"steps: expected a list of 1 to {MAX_STEPS} steps")
    steps = tuple(_step(kind, index, step) for index, step in enumerate(raw_steps))
    device_name = _optional_str(body, "device_name")
    if kind is MissionKind.DEVICE_ACTION:
        if device_name is None:
            raise InvalidRequestError("device_name: a device action needs its device named")
        capabilities = frozenset(PRIVACY_CAPABILITY[step.action] for step in steps)
    else:
        capabilities = frozenset({kind.value})
    actions = ", ".join(step.action for step in steps)
    return StartMission(
        kind=kind,
        steps=steps,
        capabilities=capabilities,
        summary=f"run the {kind.value} mission ({actions})",
        device_name=device_name,
    )


def _step(kind: MissionKind, index: int, raw: object) -> StepPlan:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise InvalidRequestError(f"{where}: expected an object")
    action = raw.get("action")
    if action not in STEP_ACTIONS[kind]:
        known = ", ".join(sorted(STEP_ACTIONS[kind]))
        raise InvalidRequestError(f"{where}.action: {action!r} is not a {kind} action ({known})")
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise InvalidRequestError(f"{where}.params: expected an object")
    for name, value in params.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise InvalidRequestError(f"{where}.params.{name}: expected a string, number or bool")
    code = params.get("code")
    if code is not None and len(str(code).encode()) > scripts.MAX_CODE_BYTES:
        raise InvalidRequestError(f"{where}.params.code: at most {scripts.MAX_CODE_BYTES} bytes")
    rest = {name: value for name, value in params.items() if name != "code"}
    if len(json.dumps(rest, ensure_ascii=False).encode()) > MAX_PARAMS_BYTES:
        raise InvalidRequestError(f"{where}.params: at most {MAX_PARAMS_BYTES} bytes of JSON")
    return StepPlan(str(action), params)


def _optional_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRequestError(f"{name}: expected a non-empty string")
    return value

"""The cloud's console routes: what one device may see and cancel through its edge's console."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from cloud_helpers import CloudFactory, CloudInstance
from test_cloud_missions import Fleet

SLOW_STEPS = [{"action": "create_venv"}, {"action": "run_code", "params": {"code": "x = 1"}}]


@pytest.fixture
async def fleet(clouds: CloudFactory) -> AsyncIterator[Fleet]:
    made = Fleet(clouds)
    yield made
    await made.close()


async def _call(
    cloud: CloudInstance, method: str, path: str, token: str | None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{cloud.url}/v1/console/{path}", headers=headers) as response,
    ):
        return response.status, await response.json()


async def _mission_for(cloud: CloudInstance, asker: str) -> dict[str, Any]:
    body = {"kind": "python", "steps": SLOW_STEPS, "requested_by": asker}
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{cloud.url}/v1/admin/missions", json=body, headers=cloud.admin_headers
        ) as response,
    ):
        assert response.status == 201
        mission: dict[str, Any] = await response.json()
        return mission


async def test_a_device_sees_and_cancels_its_own_missions_only(fleet: Fleet) -> None:
    """The asker lists and cancels its mission; another device neither sees nor cancels it."""
    cloud = await fleet.start()
    asker = await fleet.join("kitchen")
    other = await fleet.join("garage")
    mission = await _mission_for(cloud, asker.device_id)
    asker_token, other_token = fleet.tokens[asker.device_id], fleet.tokens[other.device_id]

    status, listed = await _call(cloud, "GET", "missions", asker_token)
    assert status == 200
    assert [m["id"] for m in listed["missions"]] == [mission["id"]]
    assert (await _call(cloud, "GET", "missions", other_token))[1]["missions"] == []
    status, _ = await _call(cloud, "POST", f"missions/{mission['id']}/cancel", other_token)
    assert status == 404

    status, cancelled = await _call(cloud, "POST", f"missions/{mission['id']}/cancel", asker_token)
    assert status == 200
    assert cancelled["state"] == "cancelled"
    status, _ = await _call(cloud, "POST", f"missions/{mission['id']}/cancel", asker_token)
    assert status == 409
    status, detail = await _call(cloud, "GET", f"missions/{mission['id']}", asker_token)
    assert detail["events"][-1]["kind"] == "cancelled"


async def test_devices_show_who_is_connected_and_a_token_is_required(fleet: Fleet) -> None:
    """Every enrolled device with whether it is online, without tokens; no token → 401."""
    cloud = await fleet.start()
    kitchen = await fleet.join("kitchen")
    await fleet.clouds.enroll("attic")
    status, found = await _call(cloud, "GET", "devices", fleet.tokens[kitchen.device_id])
    assert status == 200
    online = {device["name"]: device["online"] for device in found["devices"]}
    assert online == {"attic": False, "kitchen": True}
    assert all(set(device) == {"id", "name", "online", "last_seen"} for device in found["devices"])
    assert (await _call(cloud, "GET", "devices", None))[0] == 401


async def test_a_trace_is_shown_only_to_a_device_that_took_part(fleet: Fleet) -> None:
    """A mission's trace is the asker's to read, not another device's."""
    cloud = await fleet.start()
    asker = await fleet.join("kitchen")
    other = await fleet.join("garage")
    mission = await _mission_for(cloud, asker.device_id)
    path = f"traces/{mission['trace_id']}"
    status, trace = await _call(cloud, "GET", path, fleet.tokens[asker.device_id])
    assert status == 200
    assert trace["trace_id"] == mission["trace_id"]
    assert (await _call(cloud, "GET", path, fleet.tokens[other.device_id]))[0] == 404

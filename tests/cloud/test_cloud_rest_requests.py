"""Requests over plain HTTP: POST /v1/requests, then GET /v1/requests/{utterance_id}/reply."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from cloud_helpers import CloudFactory, CloudInstance

from cloud.capabilities.overview import HELP_TEXT
from cloud.capabilities.planners import RulePlanner
from cloud.planning.planner import Action, PlanContext
from models import Utterance, new_id


class CountingPlanner:
    """The rule planner, counting how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0
        self._rules = RulePlanner()

    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        self.calls += 1
        return await self._rules.plan(utterance, context)


def _utterance(text: str, device_id: str) -> dict[str, Any]:
    return Utterance(id=new_id(), text=text, trace_id=new_id(), device_id=device_id).to_wire()


async def _post(
    cloud: CloudInstance, token: str | None, body: Any
) -> tuple[int, dict[str, Any] | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{cloud.url}/v1/requests", json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def _get_reply(
    cloud: CloudInstance, token: str | None, utterance_id: str
) -> tuple[int, dict[str, Any] | None]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{cloud.url}/v1/requests/{utterance_id}/reply"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        body = await response.json() if response.status != 204 else None
        return response.status, body


async def test_post_then_get_returns_the_planners_reply(clouds: CloudFactory) -> None:
    """A POSTed request is answered 202, and GET then returns its reply and marks it delivered."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    utterance = _utterance("what can you do", device_id)
    status, posted = await _post(cloud, token, {"utterance": utterance, "id": "m1"})
    assert (status, posted) == (
        202,
        {"id": "m1", "utterance_id": utterance["id"], "duplicate": False},
    )
    status, reply = await _get_reply(cloud, token, utterance["id"])
    assert status == 200
    assert reply == {
        "text": HELP_TEXT,
        "utterance_id": utterance["id"],
        "kind": "reply",
        "follow_up_at": None,
        "awaiting_confirmation": False,
    }
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") == 0
    kinds = await clouds.pool.fetch(
        "SELECT kind FROM trace_events WHERE trace_id = $1 ORDER BY id", utterance["trace_id"]
    )
    assert [row["kind"] for row in kinds] == [
        "received.request",
        "planned.Answer",
        "enqueued.reply",
        "delivered.reply",
    ]


async def test_get_again_returns_the_delivered_reply(clouds: CloudFactory) -> None:
    """A repeated GET (the first answer was lost) returns the same reply again."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    utterance = _utterance("help", device_id)
    await _post(cloud, token, {"utterance": utterance})
    first = await _get_reply(cloud, token, utterance["id"])
    assert first[0] == 200
    assert await _get_reply(cloud, token, utterance["id"]) == first


async def test_get_before_a_reply_exists_is_204(clouds: CloudFactory) -> None:
    """GET for an utterance with no reply yet (or another device's) answers 204 with no body."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    _, other_token = await clouds.enroll("office laptop")
    assert await _get_reply(cloud, token, new_id()) == (204, None)
    utterance = _utterance("help", device_id)
    await _post(cloud, token, {"utterance": utterance})
    assert await _get_reply(cloud, other_token, utterance["id"]) == (204, None)


async def test_duplicate_post_is_planned_once(clouds: CloudFactory) -> None:
    """The same id POSTed twice is planned and replied once; the second answer says duplicate."""
    planner = CountingPlanner()
    cloud = await clouds.start(planner=planner)
    device_id, token = await clouds.enroll("kitchen pi")
    body = {"utterance": _utterance("remind me in 10 minutes to stretch", device_id), "id": "m1"}
    first = await _post(cloud, token, body)
    second = await _post(cloud, token, body)
    assert (first[0], second[0]) == (202, 202)
    assert (first[1] or {})["duplicate"] is False
    assert (second[1] or {})["duplicate"] is True
    assert planner.calls == 1
    assert await clouds.pool.fetchval("SELECT count(*) FROM reminders") == 1
    assert await clouds.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_websocket_request_id_is_a_duplicate_over_http(clouds: CloudFactory) -> None:
    """Both transports share one de-duplication: an id seen on the WebSocket is not re-run."""
    planner = CountingPlanner()
    cloud = await clouds.start(planner=planner)
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    request = await edge.request("help")
    await edge.expect_ack(request.id)
    status, posted = await _post(cloud, token, {**request.body, "id": request.id})
    assert (status, (posted or {})["duplicate"], planner.calls) == (202, True, 1)


@pytest.mark.parametrize("token", [None, "nonsense", "abc.def"])
async def test_missing_or_wrong_token_is_401(clouds: CloudFactory, token: str | None) -> None:
    """Without a valid device token both endpoints answer 401 with the JSON error shape."""
    cloud = await clouds.start()
    device_id, _ = await clouds.enroll("kitchen pi")
    posted = await _post(cloud, token, {"utterance": _utterance("help", device_id)})
    fetched = await _get_reply(cloud, token, new_id())
    for status, body in (posted, fetched):
        assert status == 401
        assert (body or {})["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2], "body"),
        ({}, "utterance"),
        ({"utterance": {"id": "u1", "text": 5, "trace_id": "t1", "ts": 0}}, "utterance.text"),
        ({"utterance": {"text": "help", "trace_id": "t1", "ts": 0}}, "utterance.id"),
        ({"utterance": {"id": "u1", "text": "help", "trace_id": "t1", "ts": 0}, "id": 7}, "id"),
        # Text PostgreSQL cannot hold, and numbers JSON has not: refused, not a 500 later.
        ({"utterance": {"id": "u1", "text": "a\x00", "trace_id": "t", "ts": 0}}, "utterance.text"),
        ({"utterance": {"id": "u1", "text": "a", "trace_id": "t", "ts": float("inf")}}, "body"),
    ],
)
async def test_bad_body_is_400_naming_the_field(
    clouds: CloudFactory, body: Any, field: str
) -> None:
    """A body that is not a valid request is refused with 400 JSON naming the field at fault."""
    cloud = await clouds.start()
    _, token = await clouds.enroll("kitchen pi")
    status, answer = await _post(cloud, token, body)
    assert status == 400
    error = (answer or {})["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(f"{field}:"), error["message"]
    assert await clouds.pool.fetchval("SELECT count(*) FROM processed_messages") == 0


async def test_body_that_is_not_json_is_400(clouds: CloudFactory) -> None:
    """A body that is not JSON at all is refused with 400 JSON."""
    cloud = await clouds.start()
    _, token = await clouds.enroll("kitchen pi")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{cloud.url}/v1/requests", data=b"{nope", headers=headers) as response,
    ):
        assert response.status == 400
        assert (await response.json())["error"]["message"].startswith("body:")


async def test_reply_reaches_a_link_held_by_another_instance(clouds: CloudFactory) -> None:
    """A request POSTed to one instance is answered on the device's link held by another."""
    first = await clouds.start()
    second = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(second, device_id, token)
    utterance = _utterance("help", device_id)
    status, _ = await _post(first, token, {"utterance": utterance})
    assert status == 202
    reply = await edge.expect_reply()
    assert reply.body["utterance_id"] == utterance["id"]

"""Missions an admin submits step by step: ``POST /v1/admin/missions``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner, Result
from cloud_helpers import CloudFactory, CloudInstance
from test_cloud_missions import Fleet, checkpoint, finish, steps_of

from jarvis.cli.main import main
from models.missions import MissionResult

FOUR_STEPS = [
    {"action": "create_venv"},
    {"action": "run_code", "params": {"code": "print('one')"}},
    {"action": "run_code", "params": {"code": "print('two')"}},
    {"action": "run_code", "params": {"code": "print('three')"}},
]


@pytest.fixture
async def fleet(clouds: CloudFactory) -> AsyncIterator[Fleet]:
    made = Fleet(clouds)
    yield made
    await made.close()


async def submit(
    cloud: CloudInstance, body: Any, *, admin: bool = True
) -> tuple[int, dict[str, Any]]:
    headers = cloud.admin_headers if admin else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{cloud.url}/v1/admin/missions", json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_a_submitted_mission_is_routed_and_its_result_is_news_for_the_asker(
    fleet: Fleet,
) -> None:
    """A valid body makes a mission routed like a spoken one; its result reaches
    ``requested_by`` once, as a reply tied to no utterance; a repeated key makes no second."""
    cloud = await fleet.start()
    asker = await fleet.join("kitchen pi")
    worker = await fleet.join("desktop", "python")
    body = {
        "kind": "python",
        "steps": FOUR_STEPS,
        "requested_by": asker.device_id,
        "idempotency_key": "nightly-1",
    }
    status, view = await submit(cloud, body)
    assert status == 201, view
    assert view["state"] == "assigned"
    assert view["assigned_to"] == worker.device_id
    assert view["requested_by"] == asker.device_id
    assert view["utterance_id"] is None
    assert [event["kind"] for event in view["events"]] == ["created", "assigned"]
    sent = await worker.expect("mission")
    assert sent.body["mission"]["id"] == view["id"]
    assert sent.trace_id == view["trace_id"]
    assert steps_of(sent) == [(s["action"], s.get("params", {})) for s in FOUR_STEPS]
    again_status, again = await submit(cloud, body)
    assert (again_status, again["id"]) == (200, view["id"])
    for index in range(4):
        await checkpoint(worker, view["id"], index, "done")
    await finish(worker, MissionResult(view["id"], ok=True, output="three\n"))
    reply = await asker.expect_reply()
    assert reply.body["text"] == "three"
    assert reply.body["utterance_id"] is None
    assert reply.trace_id == view["trace_id"]
    assert not [e for e in await asker.quiet() if e.type == "reply"]


async def test_a_mission_without_an_asker_is_queued_until_a_worker_comes(fleet: Fleet) -> None:
    """No capable worker online: 201 with a queued mission, assigned when one connects."""
    cloud = await fleet.start()
    status, view = await submit(
        cloud, {"kind": "browser", "steps": [{"action": "goto", "params": {"url": "https://a.b"}}]}
    )
    assert status == 201, view
    assert view["state"] == "queued"
    assert view["requested_by"] is None
    worker = await fleet.join("laptop", "browser")
    sent = await worker.expect("mission")
    assert sent.body["mission"]["id"] == view["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body:"),
        ({"kind": "shell", "steps": FOUR_STEPS}, "kind:"),
        ({"kind": "python", "steps": []}, "steps:"),
        ({"kind": "python", "steps": [{"action": "create_venv"}] * 51}, "steps:"),
        ({"kind": "python", "steps": ["create_venv"]}, "steps[0]:"),
        ({"kind": "python", "steps": [FOUR_STEPS[0], {"action": "goto"}]}, "steps[1].action:"),
        ({"kind": "browser", "steps": [{"action": "goto", "params": []}]}, "steps[0].params:"),
        (
            {"kind": "browser", "steps": [{"action": "goto", "params": {"url": ["x"]}}]},
            "steps[0].params.url:",
        ),
        (
            {"kind": "python", "steps": [{"action": "run_code", "params": {"code": "#" * 65537}}]},
            "steps[0].params.code:",
        ),
        (
            {"kind": "browser", "steps": [{"action": "fill", "params": {"text": "x" * 17000}}]},
            "steps[0].params:",
        ),
        ({"kind": "device_action", "steps": [{"action": "take_photo"}]}, "device_name:"),
        ({"kind": "python", "steps": FOUR_STEPS, "device_name": "attic"}, "device_name:"),
        ({"kind": "python", "steps": FOUR_STEPS, "requested_by": "nobody"}, "requested_by:"),
        ({"kind": "python", "steps": FOUR_STEPS, "idempotency_key": 7}, "idempotency_key:"),
    ],
)
async def test_a_bad_body_is_refused_naming_the_field(fleet: Fleet, body: Any, field: str) -> None:
    """Unknown kinds and actions, the runners' caps and unknown devices give a 400 naming the
    field, and no mission."""
    cloud = await fleet.start()
    status, answer = await submit(cloud, body)
    assert status == 400, answer
    assert answer["error"]["message"].startswith(field), answer
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_only_the_admin_may_submit(fleet: Fleet) -> None:
    """Without the admin token: 401 and no mission."""
    cloud = await fleet.start()
    status, _ = await submit(cloud, {"kind": "python", "steps": FOUR_STEPS}, admin=False)
    assert status == 401
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_cli_submits_a_mission_from_a_file(
    fleet: Fleet, database_url: str, tmp_path: Path
) -> None:
    """`jarvis missions submit FILE.json` stores and routes the mission on the cloud's database
    (the worker's cloud sends it); a bad file fails naming the field. `jarvis missions cancel
    ID` stops it (the worker is told), and says so when it has ended already."""
    await fleet.start()
    worker = await fleet.join("desktop", "python")
    env = {"DATABASE_URL": database_url, "JARVIS_DATA_DIR": str(tmp_path)}

    async def invoke(body: Any) -> Result:
        path = tmp_path / "mission.json"
        path.write_text(json.dumps(body), encoding="utf-8")
        args = ["missions", "submit", str(path)]
        # The CLI runs its own event loop: keep it off this one.
        return await asyncio.to_thread(CliRunner().invoke, main, args, env=env)

    submitted = await invoke({"kind": "python", "steps": FOUR_STEPS})
    assert submitted.exit_code == 0, submitted.output
    view = json.loads(submitted.stdout.splitlines()[0])
    assert view["assigned_to_name"] == "desktop"
    sent = await worker.expect("mission")
    assert sent.body["mission"]["id"] == view["id"]
    refused = await invoke({"kind": "python", "steps": [{"action": "goto"}]})
    assert refused.exit_code == 1
    assert "steps[0].action:" in refused.output

    async def cancel() -> Result:
        args = ["missions", "cancel", view["id"]]
        return await asyncio.to_thread(CliRunner().invoke, main, args, env=env)

    cancelled = await cancel()
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.stdout.strip() == f"mission {view['id']} cancelled on the desktop"
    assert (await worker.expect("mission_cancel")).body["mission_id"] == view["id"]
    again = await cancel()
    assert again.exit_code == 1
    assert "ended already: it was cancelled" in again.output

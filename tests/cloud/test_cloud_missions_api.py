"""Seeing what happened: mission and trace endpoints, the script registry, and the CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner, Result
from cloud_helpers import CloudFactory
from test_cloud_missions import Fleet, checkpoint, finish

from jarvis.cli.main import main
from models.missions import MissionResult


@pytest.fixture
async def fleet(clouds: CloudFactory) -> AsyncIterator[Fleet]:
    made = Fleet(clouds)
    yield made
    await made.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_scripts_are_registered_over_http_and_run_by_voice(fleet: Fleet) -> None:
    """PUT /v1/admin/scripts/{name} needs the admin token and a valid body; "run my hello
    script" then becomes a python mission with its packages and code."""
    cloud = await fleet.start()
    url = f"{cloud.url}/v1/admin/scripts/hello"
    body = {"code": "print('hello there')", "packages": ["rich==13.7.1", "requests"]}
    async with aiohttp.ClientSession() as http:
        async with http.put(url, json=body) as refused:
            assert refused.status == 401
        async with http.put(url, json={"code": ""}, headers=cloud.admin_headers) as bad:
            assert bad.status == 400
            assert (await bad.json())["error"]["message"].startswith("code:")
        huge = {"code": "x" * (64 * 1024 + 1)}
        async with http.put(url, json=huge, headers=cloud.admin_headers) as too_big:
            assert too_big.status == 400
        bad_package = {"code": "print(1)", "packages": ["rich; rm -rf /"]}
        async with http.put(url, json=bad_package, headers=cloud.admin_headers) as bad:
            assert bad.status == 400
        async with http.put(url, json=body, headers=cloud.admin_headers) as created:
            assert created.status == 201
            assert (await created.json())["packages"] == ["rich==13.7.1", "requests"]
        async with http.put(url, json=body, headers=cloud.admin_headers) as replaced:
            assert replaced.status == 200
    asker = await fleet.join("kitchen pi")
    worker = await fleet.join("desktop", "python")
    await asker.request("run my hello script")
    sent = await worker.expect("mission")
    mission = sent.body["mission"]
    assert mission["kind"] == "python"
    assert [(s["action"], s["params"]) for s in mission["steps"]] == [
        ("create_venv", {}),
        ("install_deps", {"packages": "rich==13.7.1 requests"}),
        ("run_code", {"code": "print('hello there')"}),
    ]
    await finish(worker, MissionResult(mission["id"], ok=True, output="hello there\n"))
    assert (await asker.expect_reply()).body["text"] == "hello there"


async def test_an_unknown_script_gets_an_honest_reply(fleet: Fleet) -> None:
    """Asking for a script that is not registered says so and makes no mission."""
    await fleet.start()
    await fleet.pool.execute("INSERT INTO scripts (name, code) VALUES ('hello', 'print(1)')")
    asker = await fleet.join("kitchen pi")
    await asker.request("run the backup script")
    reply = await asker.expect_reply()
    assert reply.body["text"] == "I don't know a script called backup. Your scripts are: hello."
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_mission_endpoint_shows_steps_checkpoints_and_events(fleet: Fleet) -> None:
    """GET /v1/missions/{id} answers the admin and the asking device (not another device),
    with steps, state, checkpoints and the event log; GET /v1/missions lists it."""
    cloud = await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    await asker.request("open http://127.0.0.1:8080/page and read me the title")
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    await checkpoint(laptop, mission_id, 0, "navigated", url="http://127.0.0.1:8080/page")
    url = f"{cloud.url}/v1/missions/{mission_id}"
    async with aiohttp.ClientSession() as http:
        async with http.get(url, headers=cloud.admin_headers) as response:
            assert response.status == 200
            found = await response.json()
        async with http.get(url, headers=bearer(fleet.tokens[asker.device_id])) as response:
            assert response.status == 200
        async with http.get(url, headers=bearer(fleet.tokens[laptop.device_id])) as response:
            assert response.status == 401
        async with http.get(url) as response:
            assert response.status == 401
        missing = f"{cloud.url}/v1/missions/nope"
        async with http.get(missing, headers=cloud.admin_headers) as response:
            assert response.status == 404
        async with http.get(f"{cloud.url}/v1/missions", headers=cloud.admin_headers) as response:
            listed = (await response.json())["missions"]
    assert (found["state"], found["assigned_to_name"], found["attempt"]) == ("running", "laptop", 1)
    assert [step["action"] for step in found["steps"]] == ["goto", "read_title"]
    assert found["checkpoints"][0]["data"] == {"url": "http://127.0.0.1:8080/page"}
    assert [event["kind"] for event in found["events"]] == ["created", "assigned", "checkpoint"]
    assert [mission["id"] for mission in listed] == [mission_id]


async def test_trace_endpoint_merges_cloud_and_edge_events(fleet: Fleet) -> None:
    """GET /v1/traces/{id} returns the cloud's and the edge's events of one trace by time."""
    cloud = await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    request = await asker.request("take a screenshot of http://127.0.0.1:8080/")
    await laptop.expect("mission")
    edge_event = {"trace_id": request.trace_id, "kind": "utterance.heard", "detail": {}, "ts": 1.0}
    sent = await asker.send("trace_event", edge_event)
    await asker.expect_ack(sent.id)
    url = f"{cloud.url}/v1/traces/{request.trace_id}"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as refused:
            assert refused.status == 401
        async with http.get(url, headers=cloud.admin_headers) as response:
            events = (await response.json())["events"]
    assert (events[0]["source"], events[0]["kind"], events[0]["device_name"]) == (
        "edge",
        "utterance.heard",
        "kitchen pi",
    )
    kinds = [event["kind"] for event in events]
    assert {"received.request", "mission.created", "mission.assigned", "enqueued.mission"} <= set(
        kinds
    )
    assert events[0]["since_previous_ms"] is None
    assert all(event["since_previous_ms"] >= 0 for event in events[1:])


async def test_cli_adds_scripts_and_shows_missions_and_traces(
    fleet: Fleet, database_url: str, tmp_path: Path
) -> None:
    """`jarvis cloud script add`, `jarvis missions [--json]` and `jarvis trace ID` work on the
    cloud's database."""
    await fleet.start()
    code = tmp_path / "hello.py"
    code.write_text("print('hi')\n", encoding="utf-8")
    env = {"DATABASE_URL": database_url, "JARVIS_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        # The CLI runs its own event loop: keep it off this one.
        return await asyncio.to_thread(runner.invoke, main, list(args), env=env)

    added = await invoke("cloud", "script", "add", "hello", str(code), "--package", "rich")
    assert added.exit_code == 0, added.output
    assert "added the script 'hello'" in added.output
    asker = await fleet.join("kitchen pi")
    worker = await fleet.join("desktop", "python")
    request = await asker.request("run my hello script")
    mission_id = (await worker.expect("mission")).body["mission"]["id"]
    listed = await invoke("missions", "--json")
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout.splitlines()[0])["id"] == mission_id
    table = await invoke("missions")
    assert table.exit_code == 0, table.output
    assert "run the hello script" in table.stdout
    timeline = await invoke("trace", request.trace_id)
    assert timeline.exit_code == 0, timeline.output
    assert "mission.assigned" in timeline.stdout
    assert "kitchen pi" in timeline.stdout
    unknown = await invoke("trace", "nope")
    assert unknown.exit_code == 1

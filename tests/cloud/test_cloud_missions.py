"""Missions end to end on real sockets: routing, queueing, checkpoints, results, failover."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import asyncpg
import pytest
from cloud_helpers import CloudFactory, CloudInstance, EdgeClient, wait_for

from models import Device, Envelope, Location
from models.missions import Checkpoint, MissionResult

PARIS = Location(48.8566, 2.3522)
VERSAILLES = Location(48.8049, 2.1204)
LYON = Location(45.7640, 4.8357)
QUEUED = "No device that can do that is online; I'll start it as soon as one connects."


class Fleet:
    """One cloud instance and the edges a test connects to it, closed at the end."""

    def __init__(self, clouds: CloudFactory) -> None:
        self.clouds = clouds
        self.pool: asyncpg.Pool = clouds.pool
        self.cloud: CloudInstance | None = None
        self.edges: list[EdgeClient] = []
        self.tokens: dict[str, str] = {}
        self._beating: list[asyncio.Task[None]] = []

    async def start(self, environ: Mapping[str, str] | None = None) -> CloudInstance:
        self.cloud = await self.clouds.start(environ=environ)
        return self.cloud

    async def join(
        self,
        name: str,
        *capabilities: str,
        location: Location | None = None,
        enroll: bool = True,
        instance: CloudInstance | None = None,
    ) -> EdgeClient:
        """An edge that said hello (to ``instance``, else the first cloud) with these
        capabilities and location."""
        instance = instance or self.cloud
        assert instance is not None
        if enroll:
            device_id, token = await self.clouds.enroll(name)
            self.tokens[device_id] = token
        else:
            device_id = await self.pool.fetchval("SELECT id FROM devices WHERE name = $1", name)
            token = self.tokens[device_id]
        session, ws = await self.clouds.open_socket(instance, token)
        edge = EdgeClient(session, ws, device_id)
        self.edges.append(edge)
        device = Device(device_id, name, frozenset(capabilities), location)
        await edge.send("hello", {"device": device.to_wire(), "version": "test"})
        await edge.expect("welcome")
        return edge

    async def heartbeat(self, edge: EdgeClient, cpu: float, memory: float) -> None:
        """Report a load and wait until the cloud stored it."""
        load = {"cpu_percent": cpu, "memory_percent": memory}
        await edge.send("heartbeat", {"load": load})

        async def stored() -> bool:
            found = await self.pool.fetchval(
                "SELECT load FROM devices WHERE id = $1", edge.device_id
            )
            return bool(found == load)

        await wait_for(stored)

    def keep_beating(self, edge: EdgeClient, every_s: float = 0.2) -> None:
        """Heartbeat in the background, as a live edge does."""

        async def beat() -> None:
            load = {"cpu_percent": 10.0, "memory_percent": 10.0}
            while True:
                await edge.send("heartbeat", {"load": load})
                await asyncio.sleep(every_s)

        self._beating.append(asyncio.create_task(beat()))

    async def close(self) -> None:
        for task in self._beating:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for edge in self.edges:
            with contextlib.suppress(Exception):
                await edge.close()


@pytest.fixture
async def fleet(clouds: CloudFactory) -> AsyncIterator[Fleet]:
    made = Fleet(clouds)
    yield made
    await made.close()


async def checkpoint(edge: EdgeClient, mission_id: str, step: int, name: str, **data: Any) -> None:
    sent = await edge.send(
        "checkpoint", Checkpoint(mission_id, step, name, data, ts=1_700_000_000.0).to_wire()
    )
    await edge.expect_ack(sent.id)


async def finish(edge: EdgeClient, result: MissionResult) -> None:
    sent = await edge.send("mission_result", result.to_wire())
    await edge.expect_ack(sent.id)


def steps_of(envelope: Envelope) -> list[tuple[str, dict[str, Any]]]:
    return [(step["action"], step["params"]) for step in envelope.body["mission"]["steps"]]


async def test_browser_mission_goes_to_the_capable_worker(fleet: Fleet) -> None:
    """A page-title request becomes a browser mission for the only worker with a browser."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", "speaker")
    await fleet.join("office pc", "python")
    laptop = await fleet.join("laptop", "browser", "python")
    request = await asker.request("open http://127.0.0.1:8080/page and read me the title")
    await asker.expect_ack(request.id)
    sent = await laptop.expect("mission")
    assert steps_of(sent) == [("goto", {"url": "http://127.0.0.1:8080/page"}), ("read_title", {})]
    assert (sent.body["done_steps"], sent.body["attempt"]) == ([], 1)
    mission = sent.body["mission"]
    assert (mission["kind"], mission["requested_by"]) == ("browser", asker.device_id)
    assert mission["idempotency_key"] == f"request:{request.id}"
    assert sent.trace_id == request.trace_id
    row = await fleet.pool.fetchrow("SELECT * FROM missions WHERE id = $1", mission["id"])
    assert (row["state"], row["assigned_to"]) == ("assigned", laptop.device_id)


async def test_the_least_loaded_worker_wins(fleet: Fleet) -> None:
    """Between two capable workers in the same place, the one with less load gets the mission."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", location=PARIS)
    busy = await fleet.join("busy laptop", "browser", location=PARIS)
    idle = await fleet.join("idle laptop", "browser", location=PARIS)
    await fleet.heartbeat(busy, 95.0, 80.0)
    await fleet.heartbeat(idle, 5.0, 20.0)
    await asker.request("take a screenshot of http://127.0.0.1:8080/")
    sent = await idle.expect("mission")
    assert steps_of(sent)[1] == ("screenshot", {})
    assert not [e for e in await busy.quiet(0.2) if e.type == "mission"]


async def test_the_closest_worker_wins(fleet: Fleet) -> None:
    """Between two equally loaded workers, the one closer to the asker gets the mission."""
    await fleet.start()
    asker = await fleet.join("kitchen pi", location=PARIS)
    far = await fleet.join("lyon laptop", "browser", location=LYON)
    near = await fleet.join("versailles laptop", "browser", location=VERSAILLES)
    await fleet.heartbeat(far, 10.0, 10.0)
    await fleet.heartbeat(near, 10.0, 10.0)
    await asker.request("read me the headline of http://127.0.0.1:8080/news")
    sent = await near.expect("mission")
    assert steps_of(sent)[1] == ("read_text", {"selector": "h1"})
    assert not [e for e in await far.quiet(0.2) if e.type == "mission"]


async def test_a_named_device_gets_the_mission(fleet: Fleet) -> None:
    """ "on the kitchen pi …" sends the mission there even when a better worker is online."""
    await fleet.start()
    asker = await fleet.join("laptop", "browser", location=PARIS)
    pi = await fleet.join("kitchen pi", "browser", location=LYON)
    await fleet.heartbeat(pi, 99.0, 99.0)
    await asker.request("on the kitchen pi take a screenshot of http://127.0.0.1:8080/")
    sent = await pi.expect("mission")
    assert sent.body["mission"]["device_name"] == "kitchen pi"


async def test_a_named_device_without_the_capability_is_told(fleet: Fleet) -> None:
    """A named device that cannot do the job gets an honest reply and no mission is made."""
    await fleet.start()
    asker = await fleet.join("laptop", "browser")
    await fleet.join("kitchen pi", "speaker")
    await asker.request("on the kitchen pi take a screenshot of http://127.0.0.1:8080/")
    reply = await asker.expect_reply()
    assert reply.body["text"] == "The kitchen pi can't do that: it has no browser."
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 0


async def test_mission_waits_until_a_capable_worker_connects(fleet: Fleet) -> None:
    """With no capable worker online the mission stays queued, the asker is told, and it is
    assigned as soon as a capable worker says hello."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    await asker.request("open http://127.0.0.1:8080/page and read me the title")
    reply = await asker.expect_reply()
    assert reply.body["text"] == QUEUED
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "queued"
    laptop = await fleet.join("laptop", "browser")
    sent = await laptop.expect("mission")
    assert sent.body["attempt"] == 1
    events = await fleet.pool.fetch("SELECT kind FROM mission_events ORDER BY id")
    assert [row["kind"] for row in events] == ["created", "queued", "assigned"]


async def test_missions_and_results_cross_cloud_instances(fleet: Fleet) -> None:
    """Asker and worker on different instances: the mission and its reply travel through
    PostgreSQL (outbox and NOTIFY)."""
    await fleet.start()
    other = await fleet.clouds.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser", instance=other)
    await asker.request("read me the headline of http://127.0.0.1:8080/")
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    await checkpoint(laptop, mission_id, 1, "text_read", text="Hello, world")
    await finish(laptop, MissionResult(mission_id, ok=True, output="Hello, world"))
    assert (await asker.expect_reply()).body["text"] == "The headline says “Hello, world”."


async def test_a_duplicate_request_makes_one_mission(fleet: Fleet) -> None:
    """The same request envelope sent twice creates one mission and one mission message."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    first = await asker.request("take a screenshot of http://127.0.0.1:8080/")
    await asker.expect_ack(first.id)
    await asker.send("request", first.body, id_=first.id, trace_id=first.trace_id)
    await asker.expect_ack(first.id)
    await laptop.expect("mission")
    assert not [e for e in await laptop.quiet(0.3) if e.type == "mission"]
    assert await fleet.pool.fetchval("SELECT count(*) FROM missions") == 1


async def test_checkpoints_are_stored_once_and_the_result_replies_once(fleet: Fleet) -> None:
    """A repeated checkpoint is acked and stored once; the result becomes the asker's reply
    exactly once, and a repeated result is acked and ignored."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    request = await asker.request("open http://127.0.0.1:8080/page and read me the title")
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    await checkpoint(laptop, mission_id, 0, "navigated", url="http://127.0.0.1:8080/page")
    await checkpoint(laptop, mission_id, 0, "navigated", url="http://127.0.0.1:8080/page")
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "running"
    await checkpoint(laptop, mission_id, 1, "title_read", title="Example Domain")
    count = await fleet.pool.fetchval("SELECT count(*) FROM mission_checkpoints")
    assert count == 2
    result = MissionResult(mission_id, ok=True, output="Example Domain")
    await finish(laptop, result)
    reply = await asker.expect_reply()
    assert reply.body["text"] == "The title is “Example Domain”."
    assert reply.body["utterance_id"] == request.body["utterance"]["id"]
    await finish(laptop, result)
    assert not [e for e in await asker.quiet(0.3) if e.type == "reply"]
    row = await fleet.pool.fetchrow("SELECT * FROM missions WHERE id = $1", mission_id)
    assert (row["state"], row["result_ok"], row["result_output"]) == (
        "succeeded",
        True,
        "Example Domain",
    )


async def test_a_failed_mission_is_reported_honestly(fleet: Fleet) -> None:
    """A failed result tells the asker what went wrong."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    await asker.request("take a screenshot of http://127.0.0.1:8080/missing")
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    error = "step 0 (goto): the page answered HTTP 404"
    await finish(laptop, MissionResult(mission_id, ok=False, error=error))
    reply = await asker.expect_reply()
    assert reply.body["text"] == (
        "Sorry, I couldn't take a screenshot of http://127.0.0.1:8080/missing on the laptop: "
        "step 0 (goto): the page answered HTTP 404."
    )
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "failed"


async def test_a_checkpoint_from_another_worker_is_ignored(fleet: Fleet) -> None:
    """Only the worker holding a mission may checkpoint or finish it (acked all the same)."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "browser")
    await asker.request("take a screenshot of http://127.0.0.1:8080/")
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    await checkpoint(asker, mission_id, 0, "navigated")
    await finish(asker, MissionResult(mission_id, ok=True, output="x"))
    assert await fleet.pool.fetchval("SELECT count(*) FROM mission_checkpoints") == 0
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "assigned"


async def _python_mission(fleet: Fleet, asker: EdgeClient) -> Envelope:
    await fleet.pool.execute(
        "INSERT INTO scripts (name, code, packages) VALUES ('backup', 'print(1)', '[\"rich\"]')"
    )
    return await asker.request("run the backup script")


async def test_a_lapsed_lease_moves_the_mission_with_its_done_steps(fleet: Fleet) -> None:
    """A worker that stops heartbeating loses its mission after the lease; the next worker gets
    the checkpointed steps as done_steps and attempt 2, the old worker's late result is ignored,
    and the asker hears the result once: what the first worker's steps printed, then the
    second's."""
    await fleet.start({"JARVIS_MISSION_LEASE_S": "1"})
    asker = await fleet.join("kitchen pi")
    fleet.keep_beating(asker)
    first = await fleet.join("laptop", "python")
    request = await _python_mission(fleet, asker)
    sent = await first.expect("mission")
    mission_id = sent.body["mission"]["id"]
    assert [action for action, _ in steps_of(sent)] == ["create_venv", "install_deps", "run_code"]
    await checkpoint(first, mission_id, 0, "venv_created")
    await checkpoint(first, mission_id, 1, "deps_installed", output="Installed 2 packages.")
    second = await fleet.join("desktop", "python")
    fleet.keep_beating(second)
    moved = await second.expect("mission", timeout_s=10)
    assert moved.body["mission"]["id"] == mission_id
    assert (moved.body["done_steps"], moved.body["attempt"]) == ([0, 1], 2)
    # The first worker, alive after all, is told to stop its attempt rather than run beside.
    stop = await first.expect("mission_cancel")
    assert stop.body == {"mission_id": mission_id, "attempt": 1, "reason": "lease lapsed"}
    await finish(first, MissionResult(mission_id, ok=True, output="stale"))
    await checkpoint(second, mission_id, 2, "code_executed")
    await finish(second, MissionResult(mission_id, ok=True, output="Backed up 3 files. Done."))
    reply = await asker.expect_reply()
    assert reply.body["text"] == "Installed 2 packages. Backed up 3 files."  # two sentences
    output = await fleet.pool.fetchval("SELECT result_output FROM missions")
    assert output == "Installed 2 packages.\nBacked up 3 files. Done."
    assert reply.body["utterance_id"] == request.body["utterance"]["id"]
    assert not [e for e in await asker.quiet(0.3) if e.type == "reply"]
    kinds = [
        row["kind"]
        for row in await fleet.pool.fetch(
            "SELECT kind FROM mission_events WHERE mission_id = $1 ORDER BY id", mission_id
        )
    ]
    assert kinds == [
        "created",
        "assigned",
        "checkpoint",
        "checkpoint",
        "lease_lapsed",
        "reassigned",
        "checkpoint",
        "succeeded",
    ]


async def test_a_closed_worker_with_no_replacement_requeues_the_mission(fleet: Fleet) -> None:
    """A worker whose link closed lapses; with no other capable worker the mission goes back to
    the queue. When that worker returns it gets attempt 2 after the done steps, and a late
    result of attempt 1 is ignored."""
    await fleet.start({"JARVIS_MISSION_LEASE_S": "1"})
    asker = await fleet.join("kitchen pi")
    first = await fleet.join("laptop", "python")
    await _python_mission(fleet, asker)
    mission_id = (await first.expect("mission")).body["mission"]["id"]
    await checkpoint(first, mission_id, 0, "venv_created")
    await first.close()

    async def requeued() -> bool:
        state = await fleet.pool.fetchval("SELECT state FROM missions")
        return bool(state == "queued")

    await wait_for(requeued)
    again = await fleet.join("laptop", "python", enroll=False)
    moved = await again.expect("mission")
    assert (moved.body["done_steps"], moved.body["attempt"]) == ([0], 2)
    late = {**MissionResult(mission_id, ok=False, error="replaced").to_wire(), "attempt": 1}
    sent = await again.send("mission_result", late)
    await again.expect_ack(sent.id)
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "assigned"
    # An attempt no integer column holds is refused for good, not retried as an internal error.
    sent = await again.send("mission_result", {**late, "attempt": 2**40})
    refused = await again.expect("error")
    assert (refused.body["code"], refused.body["ref"]) == ("bad_body", sent.id)
    assert "body.attempt" in refused.body["message"]
    done = {**MissionResult(mission_id, ok=True, output="ok").to_wire(), "attempt": 2}
    sent = await again.send("mission_result", done)
    await again.expect_ack(sent.id)
    assert (await asker.expect_reply()).body["text"] == "ok"


async def test_edge_trace_events_are_stored_with_the_edge_clock(fleet: Fleet) -> None:
    """A trace_event is acked and stored once with source edge, the device and its timestamp."""
    await fleet.start()
    edge = await fleet.join("laptop", "browser")
    body = {"trace_id": "t-1", "kind": "mission.step_done", "detail": {"step": 0}, "ts": 1e9}
    sent = await edge.send("trace_event", body)
    await edge.expect_ack(sent.id)
    await edge.send("trace_event", body, id_=sent.id)
    await edge.expect_ack(sent.id)
    rows = await fleet.pool.fetch("SELECT * FROM trace_events WHERE trace_id = 't-1'")
    assert len(rows) == 1
    assert (rows[0]["source"], rows[0]["device_id"], rows[0]["detail"]) == (
        "edge",
        edge.device_id,
        {"step": 0},
    )
    assert rows[0]["ts"].timestamp() == 1e9


async def test_hello_stores_the_device_location(fleet: Fleet) -> None:
    """The location in hello is stored; a later hello without one keeps it."""
    await fleet.start()
    edge = await fleet.join("laptop", location=PARIS)
    row = await fleet.pool.fetchrow("SELECT lat, lon FROM devices WHERE id = $1", edge.device_id)
    assert (row["lat"], row["lon"]) == (PARIS.lat, PARIS.lon)
    await edge.close()
    await fleet.join("laptop", enroll=False)
    row = await fleet.pool.fetchrow("SELECT lat, lon FROM devices WHERE id = $1", edge.device_id)
    assert (row["lat"], row["lon"]) == (PARIS.lat, PARIS.lon)


async def _admin_cancel(fleet: Fleet, mission_id: str) -> tuple[int, dict[str, Any]]:
    assert fleet.cloud is not None
    url = f"{fleet.cloud.url}/v1/admin/missions/{mission_id}/cancel"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, headers=fleet.cloud.admin_headers) as response,
    ):
        return response.status, await response.json()


async def test_the_admin_cancels_a_running_mission(fleet: Fleet) -> None:
    """``POST /v1/admin/missions/{id}/cancel``: the worker is told to stop its attempt, the
    asker hears it on the utterance that started it (marked cancelled), and the worker's late
    result changes nothing. An ended mission cannot be cancelled (409), an unknown one is 404."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "python")
    request = await _python_mission(fleet, asker)
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    await checkpoint(laptop, mission_id, 0, "venv_created")
    status, view = await _admin_cancel(fleet, mission_id)
    assert (status, view["state"]) == (200, "cancelled")
    assert view["result"]["error"] == "cancelled by the admin"
    stop = await laptop.expect("mission_cancel")
    assert stop.body == {"mission_id": mission_id, "attempt": 1, "reason": "cancelled by the admin"}
    heard = await asker.expect_reply(kind="cancelled")
    assert heard.body["text"] == (
        "I stopped the mission to run the backup script on the laptop, as the admin asked."
    )
    assert heard.body["utterance_id"] == request.body["utterance"]["id"]
    await finish(laptop, MissionResult(mission_id, ok=True, output="too late"))
    assert await fleet.pool.fetchval("SELECT state FROM missions") == "cancelled"
    assert not [e for e in await asker.quiet(0.3) if e.type == "reply"]
    status, error = await _admin_cancel(fleet, mission_id)
    assert (status, error["error"]["code"]) == (409, "conflict")
    status, error = await _admin_cancel(fleet, "no-such-mission")
    assert (status, error["error"]["code"]) == (404, "not_found")


async def test_the_asker_cancels_its_mission_by_voice(fleet: Fleet) -> None:
    """ "cancel my backup script" stops the asker's own running mission: the confirmation
    answers the person cancelling, the original request is marked cancelled without a word;
    said again, there is nothing left to cancel."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    laptop = await fleet.join("laptop", "python")
    started = await _python_mission(fleet, asker)
    mission_id = (await laptop.expect("mission")).body["mission"]["id"]
    cancelling = await asker.request("cancel my backup script")
    stop = await laptop.expect("mission_cancel")
    assert (stop.body["mission_id"], stop.body["reason"]) == (mission_id, "cancelled by its asker")
    # In this order: the original marked cancelled, then the answer to "cancel…".
    heard = [await asker.expect("reply"), await asker.expect("reply")]
    assert [
        (reply.body["utterance_id"], reply.body["kind"], reply.body["text"]) for reply in heard
    ] == [
        (started.body["utterance"]["id"], "cancelled", ""),
        (
            cancelling.body["utterance"]["id"],
            "reply",
            "I stopped the mission to run the backup script on the laptop.",
        ),
    ]
    await asker.request("cancel my backup script")
    again = await asker.expect_reply()
    assert again.body["text"] == "You have no backup mission running, so there's nothing to cancel."


async def test_a_queued_mission_cancelled_never_starts(fleet: Fleet) -> None:
    """Cancelled while it waits for a worker: no worker is told anything, and one that comes
    online later is not given it."""
    await fleet.start()
    asker = await fleet.join("kitchen pi")
    await _python_mission(fleet, asker)
    assert (await asker.expect_reply()).body["text"] == QUEUED
    mission_id = await fleet.pool.fetchval("SELECT id FROM missions")
    status, view = await _admin_cancel(fleet, mission_id)
    assert (status, view["state"]) == (200, "cancelled")
    laptop = await fleet.join("laptop", "python")
    assert not [e for e in await laptop.quiet(0.5) if e.type in ("mission", "mission_cancel")]

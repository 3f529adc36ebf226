"""The edge and the cloud as real processes, and the network failing between them."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pgserver
import pytest
from edges import JARVIS, EdgeProcess, edge_environment, start_edge
from processes import (
    CloudProcess,
    EventRecorder,
    TcpProxy,
    cloud_environment,
    enroll,
    free_port,
    get_utterance,
    post,
    start_cloud,
    wait_for,
)

from assistant import replies
from assistant.database import DATABASE_FILE

pytestmark = pytest.mark.slow

LINK_TIMEOUT_S = 60.0


def _connected(edge: EdgeProcess) -> bool:
    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        return bool(json.load(response)["cloud"]["connected"])


def _answered(edge: EdgeProcess, utterance_id: str) -> bool:
    return get_utterance(edge.url, utterance_id)["status"] != "pending"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    cloud_dir, edge_dir = tmp_path / "cloud" / "data", tmp_path / "edge" / "data"
    cloud_dir.mkdir(parents=True)
    edge_dir.mkdir(parents=True)
    return cloud_dir, edge_dir


def test_jarvis_up_answers_a_reminder_later(tmp_path: Path) -> None:
    """`jarvis up` runs cloud and edge; `jarvis say` prints the ack, then the reminder."""
    data_dir = tmp_path / "data"
    environ = edge_environment(data_dir)
    environ.update(JARVIS_EDGE_PORT=str(free_port()), JARVIS_CLOUD_PORT=str(free_port()))
    log_path = tmp_path / "up.log"
    with log_path.open("ab") as log:
        up = subprocess.Popen([JARVIS, "up"], env=environ, stdout=log, stderr=log)
    try:
        edge_url = f"http://127.0.0.1:{environ['JARVIS_EDGE_PORT']}"
        wait_for(lambda: "Jarvis edge listening" in log_path.read_text(), 120, "jarvis up")
        said = subprocess.run(
            [JARVIS, "say", "--follow", "remind me in 3 seconds to stretch", "--url", edge_url],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        up.terminate()
        exit_code = up.wait(timeout=60)
    assert said.returncode == 0, said.stderr + log_path.read_text()[-3000:]
    acknowledgement, reminder = said.stdout.splitlines()[-2:]
    assert acknowledgement.startswith("Okay, I'll remind you to stretch")
    assert reminder == "Reminder: stretch."
    assert exit_code == 0
    assert not (data_dir / "postgres" / "postmaster.pid").exists()


def test_cloud_down_local_works_and_forwarded_waits(dirs: tuple[Path, Path]) -> None:
    """With the cloud down, local intents answer; a forwarded one is answered once it is back."""
    cloud_dir, edge_dir = dirs
    port = free_port()
    cloud = start_cloud(cloud_dir, port)
    enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=cloud.url, device_name="laptop")
    events = EventRecorder(edge.url)
    try:
        wait_for(lambda: _connected(edge), LINK_TIMEOUT_S, "the link")
        assert cloud.stop() == 0
        wait_for(lambda: not _connected(edge), LINK_TIMEOUT_S, "the link to drop")

        status, local = post(edge.url, "what is 6 times 7")
        assert status == 200
        assert "42" in local["reply"]
        status, forwarded = post(edge.url, "what can you do")
        assert status == 202
        wait_for(lambda: events.for_utterance(forwarded["id"], "progress"), 30, "progress")
        assert get_utterance(edge.url, forwarded["id"])["status"] == "pending"

        cloud = start_cloud(cloud_dir, port, log_name="cloud-again.log")
        wait_for(lambda: _answered(edge, forwarded["id"]), LINK_TIMEOUT_S, "the answer")
        answered = get_utterance(edge.url, forwarded["id"])
        assert answered["status"] == "done"
        assert "remind" in answered["reply"]
        wait_for(lambda: events.for_utterance(forwarded["id"]), 10, "the reply event")
        assert len(events.for_utterance(forwarded["id"])) == 1
        assert (
            "I'll answer as soon as it's back"
            in events.for_utterance(forwarded["id"], "progress")[0]["text"]
        )
    finally:
        events.close()
        edge.stop()
        cloud.stop()


def test_a_request_the_cloud_refuses_for_good_fails_and_is_not_sent_again(
    dirs: tuple[Path, Path],
) -> None:
    """A queued request the cloud can never take fails, said aloud, and leaves the outbox; the
    one queued with it is answered. The bad one holds a NUL character, which this edge's API
    refuses but an older edge could have queued; the edge still sends it, as queued."""
    cloud_dir, edge_dir = dirs
    port = free_port()
    enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=f"http://127.0.0.1:{port}", device_name="laptop")
    try:
        refused = post(edge.url, "what can you do")[1]
        answered = post(edge.url, "what can you do for me")[1]
    finally:
        assert edge.stop() == 0
    database = sqlite3.connect(edge_dir / DATABASE_FILE)
    (refused_message,) = database.execute(
        "SELECT id FROM outbox WHERE envelope LIKE ?", (f'%"id":"{refused["id"]}"%',)
    ).fetchone()
    with database:
        changed = database.execute(
            "UPDATE outbox SET envelope = replace(envelope, ?, ?) WHERE id = ?",
            ('"text":"what can you do"', '"text":"what can you do\\u0000"', refused_message),
        ).rowcount
    assert changed == 1
    cloud = start_cloud(cloud_dir, port)
    edge = start_edge(edge_dir, "edge-again.log", cloud_url=cloud.url, device_name="laptop")
    try:
        wait_for(lambda: _answered(edge, refused["id"]), LINK_TIMEOUT_S, "the refusal")
        wait_for(lambda: _answered(edge, answered["id"]), LINK_TIMEOUT_S, "the answer")
        failed = get_utterance(edge.url, refused["id"])
        assert failed["status"] == "failed"
        assert failed["reply"] == replies.cloud_failed("the cloud brain refused the request")
        assert failed["error"].startswith("bad_envelope: body.utterance.text: ")
        assert get_utterance(edge.url, answered["id"])["status"] == "done"
    finally:
        assert edge.stop() == 0
        cloud.stop()
    outbox = database.execute("SELECT count(*) FROM outbox").fetchone()[0]
    database.close()
    assert outbox == 0, "a refused request would be sent again on every reconnect"


@pytest.mark.parametrize(
    ("cut_on", "forward_trigger"),
    [
        # The reply reaches the edge, but the edge's ack never reaches the cloud.
        (b'"type":"reply"', True),
        # The request reaches the cloud, but the cloud's ack never reaches the edge.
        (b'"type":"ack"', False),
    ],
    ids=["ack-of-reply-lost", "ack-of-request-lost"],
)
def test_a_cut_mid_reply_loses_nothing_and_repeats_nothing(
    dirs: tuple[Path, Path], cut_on: bytes, forward_trigger: bool
) -> None:
    """After the link is cut mid-exchange, the answer arrives exactly once."""
    cloud_dir, edge_dir = dirs
    cloud = start_cloud(cloud_dir, free_port())
    proxy = TcpProxy(backends=[int(cloud.url.rsplit(":", 1)[1])])
    enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=proxy.url, device_name="laptop")
    events = EventRecorder(edge.url)
    try:
        wait_for(lambda: _connected(edge), LINK_TIMEOUT_S, "the link")
        proxy.cut_on, proxy.forward_trigger = cut_on, forward_trigger
        _, forwarded = post(edge.url, "remind me in 1 hour to water the plants")
        wait_for(lambda: _answered(edge, forwarded["id"]), LINK_TIMEOUT_S, "the answer")
        wait_for(lambda: events.for_utterance(forwarded["id"]), 10, "the reply event")
        assert proxy.cuts == 1
        assert get_utterance(edge.url, forwarded["id"])["reply"].startswith(
            "Okay, I'll remind you to water the plants"
        )
        assert len(events.for_utterance(forwarded["id"])) == 1
        # One reminder stored, however often the request travelled. The handle is let go at
        # once, so the cloud, last to hold the embedded server, stops it when it stops.
        database = pgserver.get_server(cloud_dir / "postgres", cleanup_mode="stop")
        try:
            assert database.psql("SELECT count(*) FROM reminders;").split()[2] == "1"
        finally:
            database.cleanup()
    finally:
        events.close()
        edge.stop()
        proxy.close()
        cloud.stop()


def test_two_cloud_instances_share_one_database(tmp_path: Path) -> None:
    """An edge on instance 1 runs a command on a device held by instance 2; when instance 1
    dies its edge reconnects to instance 2 through the balancer and nothing is lost."""
    database = pgserver.get_server(tmp_path / "postgres", cleanup_mode="stop")
    database_url = str(database.get_uri())
    dirs = {name: tmp_path / name / "data" for name in ("cloud1", "cloud2", "laptop", "pi")}
    for path in dirs.values():
        path.mkdir(parents=True)
    first = start_cloud(dirs["cloud1"], free_port(), database_url=database_url)
    second = start_cloud(dirs["cloud2"], free_port(), database_url=database_url)
    balancer = TcpProxy(backends=[int(c.url.rsplit(":", 1)[1]) for c in (first, second)])
    enroll(dirs["cloud1"], dirs["laptop"], "laptop", database_url)
    enroll(dirs["cloud1"], dirs["pi"], "kitchen pi", database_url)
    laptop = start_edge(dirs["laptop"], cloud_url=balancer.url, device_name="laptop")
    pi = start_edge(dirs["pi"], cloud_url=second.url, device_name="kitchen pi")
    events = EventRecorder(laptop.url)
    try:
        wait_for(lambda: _connected(laptop) and _connected(pi), LINK_TIMEOUT_S, "both links")
        _, asked = post(laptop.url, "on the kitchen pi set a timer for 5 minutes")
        wait_for(lambda: _answered(laptop, asked["id"]), LINK_TIMEOUT_S, "the pi's answer")
        assert get_utterance(laptop.url, asked["id"])["reply"] == "Timer set for 5 minutes."
        _, status = post(pi.url, "how much time is left")
        assert "minute" in status["reply"]

        first.kill()
        _, later = post(laptop.url, "what can you do")
        wait_for(lambda: _answered(laptop, later["id"]), LINK_TIMEOUT_S, "the answer")
        assert "remind" in get_utterance(laptop.url, later["id"])["reply"]
        wait_for(lambda: events.for_utterance(later["id"]), 10, "the reply event")
        assert len(events.for_utterance(later["id"])) == 1
        assert len(events.for_utterance(asked["id"])) == 1
    finally:
        events.close()
        laptop.stop()
        pi.stop()
        balancer.close()
        second.stop()
        database.cleanup()


def _time_in(zone: str) -> str:
    return replies.time_now(datetime.now(ZoneInfo(zone)))


def test_a_revoked_device_says_why_and_fails_new_requests_at_once(
    dirs: tuple[Path, Path],
) -> None:
    """`jarvis cloud revoke`: the edge's link is closed and the cloud refuses its token from
    then on. The edge shows why in /v1/status, a forwarded request fails at once saying what
    to do (rather than wait for a cloud that will never take it), and local intents work."""
    cloud_dir, edge_dir = dirs
    cloud, edge, device_id = _linked_laptop(cloud_dir, edge_dir)
    try:
        subprocess.run(
            [JARVIS, "cloud", "revoke", device_id],
            env=cloud_environment(cloud_dir, 0, None),
            capture_output=True,
            timeout=120,
            check=True,
        )
        wait_for(lambda: _status(edge)["problem"] is not None, LINK_TIMEOUT_S, "the refusal")
        assert not _status(edge)["connected"]
        assert "refused this device's token" in _status(edge)["problem"]
        status, forwarded = post(edge.url, "what can you do")
        assert status == 202
        wait_for(lambda: _answered(edge, forwarded["id"]), 10, "the failure")
        failed = get_utterance(edge.url, forwarded["id"])
        assert failed["status"] == "failed"
        assert "jarvis edge set-token" in failed["reply"]
        status, local = post(edge.url, "what is 6 times 7")
        assert (status, "42" in local["reply"]) == (200, True)
        assert "edge_link.token_refused" in edge.log()
    finally:
        edge.stop()
        cloud.stop()


def _linked_laptop(cloud_dir: Path, edge_dir: Path) -> tuple[CloudProcess, EdgeProcess, str]:
    """A cloud, and a "laptop" edge enrolled in it and linked to it; and the laptop's id."""
    cloud = start_cloud(cloud_dir, free_port())
    device_id = enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=cloud.url, device_name="laptop")
    try:
        wait_for(lambda: _connected(edge), LINK_TIMEOUT_S, "the link")
    except AssertionError:
        edge.stop()
        cloud.stop()
        raise
    return cloud, edge, device_id


def _status(edge: EdgeProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        cloud: dict[str, Any] = json.load(response)["cloud"]
    return cloud


def test_device_settings_come_from_the_cloud_and_outlive_it(dirs: tuple[Path, Path]) -> None:
    """A time zone set in the cloud reaches the edge at once, and stays after a restart offline."""
    cloud_dir, edge_dir = dirs
    cloud, edge, device_id = _linked_laptop(cloud_dir, edge_dir)
    try:
        admin_token = (cloud_dir / "cloud" / "admin_token").read_text().strip()
        request = urllib.request.Request(
            f"{cloud.url}/v1/devices/{device_id}/config",
            data=json.dumps({"timezone": "Asia/Tokyo"}).encode(),
            headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
            method="PUT",
        )
        urllib.request.urlopen(request, timeout=10).close()

        def says_tokyo_time() -> bool:
            before = _time_in("Asia/Tokyo")
            reply = post(edge.url, "what time is it")[1]["reply"]
            return reply in {before, _time_in("Asia/Tokyo")}

        wait_for(says_tokyo_time, LINK_TIMEOUT_S, "the pushed time zone")
        edge.stop()
        assert cloud.stop() == 0
        # The cloud is gone; the edge starts on its cached copy of the settings.
        edge = start_edge(edge_dir, "edge-offline.log", cloud_url=cloud.url, device_name="laptop")
        assert says_tokyo_time()
    finally:
        edge.stop()
        cloud.stop()

"""The weather end to end: a real cloud and edge as processes, Open-Meteo's recorded answers
from a local server. The cloud pushes the device its forecast; `jarvis say` is answered on the
edge from it, offline too; another place, or a copy gone stale, waits for the cloud."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from edges import JARVIS, EdgeProcess, edge_environment, start_edge
from processes import enroll, free_port, get_utterance, post, start_cloud, wait_for

from assistant.credentials import read_token
from assistant.database import DATABASE_FILE
from cloud.weather.open_meteo_testing import FakeOpenMeteo

pytestmark = pytest.mark.slow

LINK_TIMEOUT_S = 60.0
TOMORROW_IN_LISBON = "Tomorrow in Lisbon: light rain, 14 to 19 degrees."


@pytest.fixture
def open_meteo() -> Iterator[FakeOpenMeteo]:
    """The fake provider served from its own thread and loop (these tests are synchronous)."""
    server = FakeOpenMeteo()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()

    async def serve() -> None:
        async with server:
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10)
    yield server
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def put_place(cloud_url: str, edge_dir: Path, device_id: str, place: str) -> None:
    """The device sets its own place (its token may change its settings)."""
    request = urllib.request.Request(
        f"{cloud_url}/v1/devices/{device_id}/config",
        data=json.dumps({"place": place}).encode(),
        headers={
            "Authorization": f"Bearer {read_token(edge_dir)}",
            "Content-Type": "application/json",
        },
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def kept_forecast(edge_dir: Path) -> dict[str, object] | None:
    with sqlite3.connect(edge_dir / DATABASE_FILE) as database:
        row = database.execute("SELECT forecast FROM weather_forecast").fetchone()
    return None if row is None else dict(json.loads(row[0]))


def age_kept_forecast(edge_dir: Path, hours: float) -> None:
    forecast = kept_forecast(edge_dir)
    assert forecast is not None
    fetched_at = float(forecast["fetched_at"])  # type: ignore[arg-type]
    forecast["fetched_at"] = fetched_at - hours * 3600
    with sqlite3.connect(edge_dir / DATABASE_FILE) as database:
        database.execute("UPDATE weather_forecast SET forecast = ?", (json.dumps(forecast),))


def say(edge: EdgeProcess, edge_dir: Path, text: str) -> str:
    result = subprocess.run(
        [JARVIS, "say", text, "--url", edge.url],
        env=edge_environment(edge_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def connected(edge: EdgeProcess) -> bool:
    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        return bool(json.load(response)["cloud"]["connected"])


def test_the_weather_is_pushed_said_on_the_edge_and_forwarded_when_stale(
    tmp_path: Path, open_meteo: FakeOpenMeteo
) -> None:
    """Pushed with the config, "what's the weather tomorrow" is the edge's own answer; with
    the cloud gone it still is; another place, or a copy older than the offline limit, waits
    for the cloud, which answers once it is back."""
    cloud_dir, edge_dir = tmp_path / "cloud" / "data", tmp_path / "edge" / "data"
    cloud_dir.mkdir(parents=True)
    edge_dir.mkdir(parents=True)
    (cloud_dir / "config.toml").write_text(
        f'weather_url = "{open_meteo.url}"\nweather_timeout_s = 2.0\n'
    )
    port = free_port()
    cloud = start_cloud(cloud_dir, port)
    device_id = enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=cloud.url, device_name="laptop")
    try:
        wait_for(lambda: connected(edge), LINK_TIMEOUT_S, "the link")
        put_place(cloud.url, edge_dir, device_id, "Lisbon")
        # The first ask goes to the cloud, which answers and pushes the forecast with it.
        assert say(edge, edge_dir, "will it rain tomorrow in Lisbon") == TOMORROW_IN_LISBON
        wait_for(lambda: kept_forecast(edge_dir) is not None, 30, "the pushed forecast")
        calls = open_meteo.count("/v1/forecast")

        status, local = post(edge.url, "what's the weather tomorrow")
        assert (status, local["handled_by"], local["reply"]) == (200, "edge", TOMORROW_IN_LISBON)
        weekend = say(edge, edge_dir, "weather this weekend")
        if datetime.now(ZoneInfo("Europe/Lisbon")).weekday() == 6:
            # On a Sunday, "this weekend" is what is left of it: today, said without its name.
            assert weekend.startswith("This weekend in Lisbon: ")
            assert "Saturday" not in weekend
            assert "Sunday" not in weekend
        else:
            assert weekend.startswith("This weekend in Lisbon: Saturday")

        assert cloud.stop() == 0
        wait_for(lambda: not connected(edge), LINK_TIMEOUT_S, "the link to drop")
        status, offline = post(edge.url, "what's the weather like tomorrow")
        assert (status, offline["reply"]) == (200, TOMORROW_IN_LISBON)
        status, elsewhere = post(edge.url, "what's the weather in Atlantis")
        assert (status, elsewhere["handled_by"]) == (202, "cloud")
        age_kept_forecast(edge_dir, hours=7)
        status, stale = post(edge.url, "what's the weather tomorrow")
        assert (status, stale["handled_by"]) == (202, "cloud")

        cloud = start_cloud(cloud_dir, port, log_name="cloud-again.log")
        wait_for(lambda: get_utterance(edge.url, stale["id"])["status"] == "done", 60, "answer")
        assert get_utterance(edge.url, stale["id"])["reply"] == TOMORROW_IN_LISBON
        assert get_utterance(edge.url, elsewhere["id"])["reply"] == (
            "I don't know a place called Atlantis."
        )
        # The cloud kept its forecast in PostgreSQL: nobody asked the provider again.
        assert open_meteo.count("/v1/forecast") == calls
    finally:
        edge.stop()
        cloud.stop()

"""``jarvis cloud``: the brain as a real process, and device enrollment from the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

from cloud.app import running_cloud
from cloud.store.devices import enroll_device
from jarvis.cli.main import main
from jarvis.settings import Settings
from models import Device, Envelope


def test_enroll_list_and_revoke_from_the_cli(database_url: str, tmp_path: Path) -> None:
    """enroll prints the id and token once; devices lists it; revoke revokes it."""
    env = {"DATABASE_URL": database_url, "JARVIS_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    enrolled = runner.invoke(main, ["cloud", "enroll", "kitchen pi"], env=env)
    assert enrolled.exit_code == 0, enrolled.output
    lines = dict(line.split(":", 1) for line in enrolled.stdout.splitlines())
    device_id, token = lines["device id"].strip(), lines["token"].strip()
    assert token.startswith(device_id + ".")
    again = runner.invoke(main, ["cloud", "enroll", "Kitchen Pi"], env=env)
    assert again.exit_code == 1
    assert "already enrolled" in again.output
    listed = runner.invoke(main, ["cloud", "devices", "--json"], env=env)
    device = json.loads(listed.stdout)
    assert (device["id"], device["name"], device["revoked"]) == (device_id, "kitchen pi", False)
    assert token not in listed.stdout
    revoked = runner.invoke(main, ["cloud", "revoke", "kitchen pi"], env=env)
    assert revoked.exit_code == 0
    listed = runner.invoke(main, ["cloud", "devices", "--json"], env=env)
    assert json.loads(listed.stdout)["revoked"] is True


@pytest.mark.slow
def test_cloud_runs_on_embedded_postgres_and_stops_cleanly(tmp_path: Path) -> None:
    """Without DATABASE_URL, `jarvis cloud` runs PostgreSQL in the data dir and stops it on exit."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(JARVIS_DATA_DIR=str(tmp_path), JARVIS_CLOUD_PORT="0", JARVIS_LOG_LEVEL="warning")
    process = subprocess.Popen(
        [sys.executable, "-c", "from jarvis.cli.main import main; main()", "cloud"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            line = process.stderr.readline()
            if "Jarvis cloud listening on" in line:
                url = line.split(" on ", 1)[1].split()[0]
            elif not line and process.poll() is not None:
                break
        assert url, "the cloud never said it was listening"
        with urllib.request.urlopen(f"{url}/v1/health", timeout=10) as response:
            assert json.load(response)["status"] == "ok"
        assert (tmp_path / "postgres" / "PG_VERSION").exists()
        assert (tmp_path / "postgres" / "postmaster.pid").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == 0
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()


async def test_running_cloud_lets_the_caller_enroll_an_edge(
    database_url: str, tmp_path: Path
) -> None:
    """In-process (as `jarvis up` does): start the cloud, enroll this machine, and connect."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, cloud_port=0)
    async with running_cloud(settings) as cloud:
        device_id, token = await enroll_device(cloud.pool, "this machine", replace=True)
        again_id, token = await enroll_device(cloud.pool, "this machine", replace=True)
        assert again_id == device_id
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"{cloud.url}/v1/edge", headers={"Authorization": f"Bearer {token}"}
            ) as ws,
        ):
            hello = Envelope(
                type="hello",
                body={
                    "device": Device(id=device_id, name="this machine").to_wire(),
                    "version": "1",
                },
            )
            await ws.send_str(hello.encode())
            welcome = Envelope.decode((await ws.receive(timeout=10)).data)
            assert welcome.type == "welcome"
            assert welcome.body["instance_id"] == cloud.instance_id

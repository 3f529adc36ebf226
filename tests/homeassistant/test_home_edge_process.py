"""`jarvis wyoming` as a real process, configured for the test Home Assistant."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncClient
from wyoming.handle import Handled
from wyoming.info import Describe, Info

from assistant import testing_hass
from assistant.testing_hass import House

pytestmark = pytest.mark.slow

JARVIS = str(Path(sys.executable).parent / "jarvis")
READY = re.compile(r"Jarvis edge listening on (http://\S+)")
COUNTER = "light.kitchen_counter_light"


class Edge:
    def __init__(self, process: subprocess.Popen[bytes], url: str, wyoming: str, log: Path):
        self.process, self.url, self.wyoming, self.log = process, url, wyoming, log


@pytest.fixture
def edge(tmp_path: Path, house: House) -> Iterator[Edge]:
    """`jarvis wyoming --uri …` with JARVIS_HA_URL and JARVIS_HA_TOKEN, text only."""
    port = testing_hass.free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("JARVIS_")}
    environ.update(
        JARVIS_DATA_DIR=str(tmp_path / "edge"),
        JARVIS_EDGE_PORT="0",
        JARVIS_LOG_FORMAT="json",
        JARVIS_VOICE="off",
        JARVIS_TTS_ENGINE="piper",
        JARVIS_HA_URL=house.url,
        JARVIS_HA_TOKEN=house.token,
    )
    log = tmp_path / "edge.log"
    uri = f"tcp://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [JARVIS, "wyoming", "--uri", uri], env=environ, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = READY.search(log.read_text(encoding="utf-8", errors="replace"))
            if found:
                yield Edge(process, found.group(1), uri, log)
                break
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        else:
            raise AssertionError(f"the edge did not start: {log.read_text()}")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


async def test_the_edge_runs_the_house_and_serves_wyoming(edge: Edge, house: House) -> None:
    """The edge process turns a light off over its HTTP API, shows Home Assistant in its
    status, answers Describe and handles a transcript over Wyoming, never logs the token, and
    stops cleanly."""
    await testing_hass.call_service(house.url, house.token, "light", "turn_on", entity_id=COUNTER)
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{edge.url}/v1/utterances", json={"text": "turn off the kitchen counter light"}
        ) as response:
            assert response.status == 200
            body = await response.json()
        async with session.get(f"{edge.url}/v1/status") as response:
            status = (await response.json())["home_assistant"]
    assert body["intent"] == "home.turn_off"
    assert await testing_hass.state_becomes(house.url, house.token, COUNTER, "off") == "off"
    assert status["configured"] is True
    assert status["entities"] > 0

    async with AsyncClient.from_uri(edge.wyoming) as client:
        await client.write_event(Describe().event())
        info_event = await asyncio.wait_for(client.read_event(), 10)
        assert info_event is not None
        info = Info.from_event(info_event)
        await client.write_event(Transcript(text="turn on the kitchen counter light").event())
        handled = await asyncio.wait_for(client.read_event(), 30)
    assert info.asr
    assert info.tts
    assert info.handle
    assert handled is not None
    assert Handled.from_event(handled).text == "Okay, the kitchen counter light is on."
    assert await testing_hass.state_becomes(house.url, house.token, COUNTER, "on") == "on"

    edge.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(edge.process.wait, 30) == 0
    assert house.token not in edge.log.read_text(encoding="utf-8")

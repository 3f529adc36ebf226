"""A satellite's mute switch: Jarvis hangs up on it at once, dials it only once unmuted, and the
switch (the microphone's too) outlives a restart of the edge.

The satellite here is a real TCP peer that takes ``RunSatellite`` and then sends nothing, as a
satellite with its microphone paused would: muting must not wait for audio that never comes.
The real ``wyoming-satellite`` is muted mid-stream in tests/homeassistant/test_satellite.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tcp_peers import serving, until

from assistant.audio.endpointing import load_detector
from assistant.database import open_database
from assistant.listening import MICROPHONE, ListeningState
from assistant.mute_store import MuteStore
from assistant.stt import Recognizer
from assistant.wyoming_satellites import SatelliteLink
from jarvis.tasks import cancel_and_wait


@dataclass
class SilentSatellite:
    """Counts the links dialled to it and the ones hung up; sends nothing back."""

    uri: str = ""
    dialled: int = 0
    hung_up: int = 0
    first_lines: list[bytes] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.dialled += 1
        self.first_lines.append(await reader.readline())
        while await reader.read(4096):
            pass
        self.hung_up += 1
        writer.close()


@pytest.fixture
async def satellite() -> AsyncIterator[SilentSatellite]:
    peer = SilentSatellite()
    async with serving(peer.serve) as uri:
        peer.uri = uri
        yield peer


def _link(uri: str, listening: ListeningState) -> SatelliteLink:
    async def recognizer() -> Recognizer:
        raise AssertionError("nothing was said: nothing may be recognized")

    async def handle(text: str) -> str | None:
        raise AssertionError(f"nothing was said, yet {text!r} was handled")

    return SatelliteLink(
        uri,
        recognizer=recognizer,
        speaker=None,
        handle=handle,
        detector=lambda: asyncio.to_thread(load_detector),
        wake=None,
        ear=listening.satellite(uri),
    )


async def test_muting_hangs_up_at_once_and_only_unmuting_dials_again(
    satellite: SilentSatellite,
) -> None:
    """Muted before the link starts, nothing is dialled; unmuted, it connects; muted while the
    link waits on a satellite that sends nothing, it hangs up at once and does not dial again
    (past the re-dial backoff) until unmuted. The console sees each change."""
    listening = ListeningState()
    changes: list[object] = []
    listening.on_change(lambda: changes.append(listening.view()["satellites"]))
    link = _link(satellite.uri, listening)
    ear = listening.satellite(satellite.uri)
    ear.set_muted(True)
    running = asyncio.create_task(link.run(), name="satellite under test")
    try:
        await asyncio.sleep(1.5)  # three times the first re-dial delay
        assert (satellite.dialled, link.connections) == (0, 0)

        ear.set_muted(False)
        # Up on both sides: the link says so, and the satellite has read its first line.
        await until(lambda: ear.connected and bool(satellite.first_lines), "the link up")
        assert satellite.dialled == 1
        assert b'"run-satellite"' in satellite.first_lines[0]

        ear.set_muted(True)
        await until(lambda: satellite.hung_up == 1, "the link hung up")
        assert not ear.connected
        await asyncio.sleep(1.5)
        assert (satellite.dialled, link.connections) == (1, 1)

        ear.set_muted(False)
        await until(lambda: ear.connected, "the link up again")
        assert (satellite.dialled, link.connections) == (2, 2)
    finally:
        await cancel_and_wait(running)
    up, muted = (
        [{"uri": satellite.uri, "connected": connected, "muted": muted}]
        for connected, muted in ((True, False), (False, True))
    )
    # Muted, unmuted, up, muted (hung up at once: the same change), down, unmuted, up.
    assert changes[0] == muted
    assert changes.count(up) == 2


async def test_the_switches_outlive_a_restart(tmp_path: Path) -> None:
    """What a person muted is muted again after a restart: the microphone and the satellites
    still configured; unmuting is kept too, and a satellite taken out of the settings is left
    out of the state without losing its switch."""
    kitchen, hall = "tcp://kitchen-pi:10700", "tcp://hall-pi:10700"
    db = await open_database(tmp_path)
    try:
        store = MuteStore(db)
        await store.save(MICROPHONE, True)
        await store.save(kitchen, True)
        await store.save(hall, True)
        await store.save(hall, False)
        await store.save(kitchen, True)  # twice: still one switch
    finally:
        await db.close()

    db = await open_database(tmp_path)
    try:
        listening = ListeningState()
        listening.satellite(hall)
        await MuteStore(db).restore(listening)
        assert listening.muted
        assert listening.state == "off"  # no microphone here: text only, whatever the switch
        assert listening.view()["satellites"] == [{"uri": hall, "connected": False, "muted": False}]

        listening = ListeningState()
        listening.satellite(kitchen)
        await MuteStore(db).restore(listening)
        assert listening.satellites[kitchen].muted
    finally:
        await db.close()

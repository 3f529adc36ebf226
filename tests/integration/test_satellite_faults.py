"""A satellite link that meets a fault hangs up and dials again; it is never left dead, which
would leave a room deaf until the edge restarts.

Each satellite here is a real TCP peer speaking the Wyoming protocol. One sends a chunk without
its sample rate on its first connection, then well-formed silence. The other says a command
while the recognizer's model cannot be found, then, once it is back, says it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from structlog.testing import capture_logs
from tcp_peers import serving, until
from wyoming.audio import AudioChunk
from wyoming.event import Event, async_write_event

from assistant.audio import to_pcm
from assistant.audio.endpointing import load_detector
from assistant.errors import ModelNotFoundError
from assistant.stt import Recognizer
from assistant.stt.auto import load_recognizer
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import silence
from assistant.wyoming_satellites import SatelliteLink
from jarvis.tasks import cancel_and_wait

SILENCE = AudioChunk(rate=16_000, width=2, channels=1, audio=bytes(640)).event()


@dataclass
class FaultySatellite:
    """Sends a chunk without its rate on the first connection; silence on the later ones."""

    uri: str = ""
    dialled: int = 0
    hung_up: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.dialled += 1
        await reader.readline()  # RunSatellite
        if self.dialled == 1:
            bad = Event(type="audio-chunk", data={"width": 2, "channels": 1}, payload=b"\0\0")
            await async_write_event(bad, writer)
            while await reader.read(4096):
                pass
            self.hung_up += 1
        else:
            while not reader.at_eof():
                await async_write_event(SILENCE, writer)
                await asyncio.sleep(0.02)
        writer.close()


@pytest.fixture
async def satellite() -> AsyncIterator[FaultySatellite]:
    peer = FaultySatellite()
    async with serving(peer.serve) as uri:
        peer.uri = uri
        yield peer


async def test_a_satellite_sending_unreadable_audio_is_hung_up_on_and_dialled_again(
    satellite: FaultySatellite,
) -> None:
    async def recognizer() -> Recognizer:
        raise AssertionError("only silence was sent: nothing may be recognized")

    async def handle(text: str) -> str | None:
        raise AssertionError(f"only silence was sent, yet {text!r} was handled")

    link = SatelliteLink(
        satellite.uri,
        recognizer=recognizer,
        speaker=None,
        handle=handle,
        detector=lambda: asyncio.to_thread(load_detector),
        wake=None,
    )
    with capture_logs() as logs:
        running = asyncio.create_task(link.run(), name="satellite under test")
        try:
            await until(lambda: link.connections == 2, "second connection")
            await asyncio.sleep(0.5)  # the well-formed stream is read without a fault
            assert not running.done()
            assert (link.bad_audio, satellite.hung_up, satellite.dialled) == (1, 1, 2)
        finally:
            await cancel_and_wait(running)
    (fault,) = [line for line in logs if line["event"] == "satellite.bad_audio"]
    assert fault["uri"] == satellite.uri
    assert fault["reason"] == "audio-chunk without its rate"
    assert fault["log_level"] == "warning"


@dataclass
class TalkingSatellite:
    """Says ``pcm`` (paced at four times real time) on every connection, then silence until
    hung up on."""

    pcm: bytes
    uri: str = ""
    dialled: int = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.dialled += 1
        await reader.readline()  # RunSatellite
        step = 640
        with_silence = self.pcm + bytes(16_000 * 2 * 5)
        for at in range(0, len(with_silence), step):
            if reader.at_eof():
                break
            chunk = AudioChunk(rate=16_000, width=2, channels=1, audio=with_silence[at : at + step])
            await async_write_event(chunk.event(), writer)
            await asyncio.sleep(0.005)
        writer.close()


@dataclass
class Recognizers:
    """The link's recognizer: the first load fails as a missing model does, the next ones get
    whisper."""

    missing: Path
    whisper: WhisperRecognizer
    loads: int = 0
    handled: list[str] = field(default_factory=list)

    async def get(self) -> Recognizer:
        self.loads += 1
        if self.loads == 1:
            return await load_recognizer("whisper", self.missing.parent, whisper_model=self.missing)
        return self.whisper

    async def handle(self, text: str) -> str | None:
        self.handled.append(text)
        return None


async def test_a_recognizer_that_failed_to_load_costs_one_command_not_the_satellite(
    tmp_path: Path, said: Callable[[str], object], whisper: WhisperRecognizer
) -> None:
    """The first command finds no model: the link logs the failure with its cause, hangs up and
    dials again, and the command said on the next connection is heard and handled."""
    speech = to_pcm(np.concatenate([silence(0.5), said("what time is it"), silence(1.0)]))
    peer = TalkingSatellite(speech)
    recognizers = Recognizers(tmp_path / "no-such-model", whisper)
    async with serving(peer.serve) as uri:
        peer.uri = uri
        link = SatelliteLink(
            uri,
            recognizer=recognizers.get,
            speaker=None,
            handle=recognizers.handle,
            detector=lambda: asyncio.to_thread(load_detector),
            wake=None,
        )
        with capture_logs() as logs:
            running = asyncio.create_task(link.run(), name="satellite under test")
            try:
                await until(lambda: bool(recognizers.handled), "command handled")
            finally:
                await cancel_and_wait(running)
    assert "time" in recognizers.handled[0].lower()
    assert recognizers.loads >= 2
    assert link.connections >= 2
    (failure,) = [line for line in logs if line["event"] == "satellite.failed"]
    assert failure["uri"] == peer.uri
    assert failure["log_level"] == "error"
    assert failure["error"].startswith(f"{ModelNotFoundError.__name__}: ")

"""A satellite link that meets a fault hangs up and dials again; it is never left dead, which
would leave a room deaf until the edge restarts.

Each satellite here is a real TCP peer speaking the Wyoming protocol. One sends a chunk without
its sample rate on its first connection, then well-formed silence. The other says a command
while the recognizer's model cannot be found, then, once it is back, says it again.
A recognizer that fails costs only the command it failed on, which the room is told.
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
from wyoming.event import Event, async_read_event, async_write_event

from assistant.audio import to_pcm
from assistant.audio.endpointing import load_detector
from assistant.errors import ModelNotFoundError
from assistant.stt import Recognizer
from assistant.stt.auto import load_recognizer
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import silence
from assistant.tts.queue import load_speaker
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
    """Says ``pcm`` ``times`` times on every connection (paced at four times real time, five
    seconds of silence after each), then silence until hung up on; keeps the events Jarvis sent
    it (the transcript, the reply's audio)."""

    pcm: bytes
    times: int = 1
    uri: str = ""
    dialled: int = 0
    received: list[str] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.dialled += 1
        hearing = asyncio.create_task(self._hear(reader), name="satellite's speaker")
        step = 640
        with_silence = (self.pcm + bytes(16_000 * 2 * 5)) * self.times
        try:
            for at in range(0, len(with_silence), step):
                if hearing.done():
                    break  # hung up on
                audio = with_silence[at : at + step]
                chunk = AudioChunk(rate=16_000, width=2, channels=1, audio=audio)
                await async_write_event(chunk.event(), writer)
                await asyncio.sleep(0.005)
        finally:
            await cancel_and_wait(hearing)
            writer.close()

    async def _hear(self, reader: asyncio.StreamReader) -> None:
        while (event := await async_read_event(reader)) is not None:
            if event.type != "audio-chunk":
                self.received.append(event.type)


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


async def test_a_command_the_recognizer_fails_on_is_said_not_heard_and_the_next_one_is(
    tmp_path: Path, said: Callable[[str], object], whisper: WhisperRecognizer
) -> None:
    """The first command finds no model: the link logs the failure with its cause and tells
    the room, on the satellite's speaker, that it could not hear it; the link stays, and the
    command said again on it is heard and handled."""
    speech = to_pcm(np.concatenate([silence(0.5), said("what time is it"), silence(1.0)]))
    peer = TalkingSatellite(speech, times=2)
    recognizers = Recognizers(tmp_path / "no-such-model", whisper)
    async with serving(peer.serve) as uri:
        peer.uri = uri
        link = SatelliteLink(
            uri,
            recognizer=recognizers.get,
            speaker=lambda: load_speaker("pyttsx3"),
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
    assert (recognizers.loads, link.connections, link.not_heard) == (2, 1, 1)
    # The apology was played before the command said again was heard (its transcript sent).
    assert peer.received[:4] == ["run-satellite", "audio-start", "audio-stop", "transcript"]
    (failure,) = [line for line in logs if line["event"] == "satellite.hear_failed"]
    assert failure["uri"] == peer.uri
    assert failure["log_level"] == "error"
    assert failure["error"].startswith(f"{ModelNotFoundError.__name__}: ")
    assert not [line for line in logs if line["event"] == "satellite.failed"]

"""A satellite that says when a reply has played (wyoming-satellite's ``played``): its follow-up
window opens on that word, not once the reply's length has passed. A speaker far behind the
stream (Bluetooth, a deep buffer) would otherwise have its microphone's words, said while the
reply still plays, taken for a follow-up: there, the reply itself.

The satellite is a real TCP peer speaking the Wyoming protocol, streaming piper's speech at the
pace it was spoken; the wake word, the endpointer and whisper are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from tcp_peers import serving, until
from wyoming.audio import AudioChunk
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.snd import Played

from assistant.audio import to_pcm
from assistant.audio.endpointing import load_detector
from assistant.audio.wake_word import WakeWordModel, bundled_path
from assistant.stt import Recognizer
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import silence
from assistant.tts.queue import load_speaker
from assistant.wyoming_satellites import SatelliteLink
from assistant.wyoming_wake import SharedWake
from jarvis.tasks import cancel_and_wait

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CHUNK_BYTES = 640  # 20 ms


@dataclass
class LateSpeaker:
    """Says ``first`` (the wake word and a command) at once. Its speaker says the first reply has
    played as soon as it arrives; 1.5 s later the satellite says ``follow_up`` (no wake word). The
    second reply plays for ``playing_s``: ``aside_at_s`` into it, the microphone hears
    ``aside``. Silence otherwise. Keeps the events Jarvis sent it."""

    first: bytes
    follow_up: bytes
    aside: bytes
    playing_s: float = 6.0
    aside_at_s: float = 2.5
    replies: int = 0
    received: list[str] = field(default_factory=list)
    _to_say: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    _writing: asyncio.Lock = field(default_factory=asyncio.Lock)
    _later: set[asyncio.Task[None]] = field(default_factory=set)
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._to_say.put_nowait(self.first)
        hearing = asyncio.create_task(self._hear(reader, writer), name="satellite's speaker")
        try:
            while not hearing.done():
                pcm = self._to_say.get_nowait() if not self._to_say.empty() else bytes(3200)
                for at in range(0, len(pcm), CHUNK_BYTES):
                    chunk = AudioChunk(
                        rate=16_000, width=2, channels=1, audio=pcm[at : at + CHUNK_BYTES]
                    )
                    await self._write(writer, chunk.event())
                    await asyncio.sleep(0.02)  # as fast as it was spoken
        except ConnectionError:
            pass  # hung up on mid-chunk
        finally:
            await cancel_and_wait(hearing, *self._later)
            writer.close()
            self.hung_up.set()

    async def _write(self, writer: asyncio.StreamWriter, event: Event) -> None:
        async with self._writing:
            await async_write_event(event, writer)

    async def _hear(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (event := await async_read_event(reader)) is not None:
            if event.type != "audio-chunk":
                self.received.append(event.type)
            if event.type != "audio-stop":
                continue
            self.replies += 1
            if self.replies == 1:
                await self._write(writer, Played().event())
                self._soon(1.5, lambda: self._to_say.put_nowait(self.follow_up))
            elif self.replies == 2:
                self._soon(self.aside_at_s, lambda: self._to_say.put_nowait(self.aside))
                self._soon(self.playing_s, lambda: self._later.add(
                    asyncio.create_task(self._write(writer, Played().event()))
                ))  # fmt: skip

    def _soon(self, delay_s: float, then: Callable[[], None]) -> None:
        async def after() -> None:
            await asyncio.sleep(delay_s)
            then()

        self._later.add(asyncio.create_task(after()))


@pytest.fixture
def wake() -> SharedWake:
    """The bundled "hey jarvis" heads alone: the wake word is not what is tested here."""
    model = WakeWordModel.load(bundled_path("hey jarvis"))
    return SharedWake(model, companion=False, check=False)


async def test_the_follow_up_window_opens_when_the_satellite_says_the_reply_has_played(
    said: Callable[[str], np.ndarray], whisper: WhisperRecognizer, wake: SharedWake
) -> None:
    """ "Hey Jarvis, what time is it?", answered; "what's the date today", said in the follow-up
    window once the satellite said the reply had played, answered. Then, while the second
    reply still plays (its speaker far behind), "what day is it" — long after the reply's
    length has passed — is dropped unheard: the window opens only when the satellite says it
    has played."""

    def spoken(text: str) -> bytes:
        return to_pcm(np.concatenate([said(text), silence(1.0)]))

    peer = LateSpeaker(
        first=spoken("hey jarvis, what time is it"),
        follow_up=spoken("what's the date today"),
        aside=spoken("what day is it"),
    )
    handled: list[str] = []

    async def handle(text: str) -> str | None:
        handled.append(text)
        return "Okay."

    async def recognizer() -> Recognizer:
        return whisper

    async with serving(peer.serve) as uri:
        link = SatelliteLink(
            uri,
            recognizer=recognizer,
            speaker=lambda: load_speaker("pyttsx3"),
            handle=handle,
            detector=lambda: asyncio.to_thread(load_detector),
            wake=wake,
            follow_up_s=8.0,
        )
        running = asyncio.create_task(link.run(), name="satellite under test")
        try:
            # The wake word's models load on the first phrase.
            await until(lambda: peer.replies >= 2, "the second reply", within_s=60)
            await asyncio.sleep(peer.playing_s + 1.0)  # the aside said, the reply played
        finally:
            await cancel_and_wait(running)
        await asyncio.wait_for(peer.hung_up.wait(), 10)  # before its server closes
    assert len(handled) == 2, handled
    assert "time" in handled[0].lower()
    assert "date" in handled[1].lower()
    assert (link.woken, link.followed_up) == (1, 1)

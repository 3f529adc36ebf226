"""Wyoming satellites as Jarvis's microphones: a room's ``wyoming-satellite`` (a Pi with a
microphone and a speaker, no Jarvis installed) streams to Jarvis, and hears the reply.

Jarvis connects to the satellite as Home Assistant would (``RunSatellite``), cuts its stream
into utterances with our endpointer, recognizes each, and acts only on those that begin with the
wake phrase ("hey jarvis, what time is it"): the rest is dropped unheard — neither logged nor
kept. The command goes through the edge's conversation, and the reply is synthesized and sent
back as audio for the satellite's speaker. The link is re-dialled with backoff whenever it
drops, whichever side restarted: the failure satellite users report most is one that never
comes back after a server reboot.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import structlog
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.satellite import RunSatellite
from wyoming.wake import Detection

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES
from assistant.audio.endpointing import Endpointer, SpeechDetector, SpeechEnded
from assistant.stt import Recognizer, recognize
from assistant.tts import Speaker
from assistant.wyoming_server import CHUNK_SAMPLES, Handle

log = structlog.get_logger(__name__)

RETRY_MIN_S = 0.5
RETRY_MAX_S = 10.0
"""Re-dial backoff: doubling from the first, never longer than the second."""
_WAKE = re.compile(r"^\W*(?:(?:hey|hi|ok|okay)\W+)?jarvis\b\W*", re.IGNORECASE)
WAKE_NAME = "hey_jarvis"


def after_wake_phrase(text: str) -> str | None:
    """The command after "hey jarvis", or ``None`` when the words do not begin with it."""
    found = _WAKE.match(text)
    if found is None:
        return None
    return text[found.end() :].strip()


class SatelliteLink:
    """One satellite, kept connected until cancelled (:meth:`run`)."""

    def __init__(
        self,
        uri: str,
        *,
        recognizer: Callable[[], Awaitable[Recognizer]],
        speaker: Callable[[], Awaitable[Speaker]] | None,
        handle: Handle,
        detector: Callable[[], Awaitable[SpeechDetector]],
    ) -> None:
        self.uri = uri
        self._recognizer = recognizer
        self._speaker = speaker
        self._handle = handle
        self._detector = detector
        self.connections = 0
        """How many times the link came up (a test's and a status page's view)."""
        self.answered = 0

    async def run(self) -> None:
        delay = RETRY_MIN_S
        while True:
            try:
                await self._session()
                delay = RETRY_MIN_S  # it was up: the satellite restarted, dial again soon
            except (OSError, EOFError, asyncio.IncompleteReadError) as error:
                log.info("satellite.unreachable", uri=self.uri, reason=str(error) or "refused")
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def _session(self) -> None:
        async with AsyncClient.from_uri(self.uri) as client:
            await client.write_event(RunSatellite().event())
            self.connections += 1
            log.info("satellite.connected", uri=self.uri, connections=self.connections)
            endpointer = Endpointer(await self._detector())
            converter = AudioChunkConverter(
                rate=SAMPLE_RATE_HZ, width=SAMPLE_WIDTH_BYTES, channels=1
            )
            while True:
                event = await client.read_event()
                if event is None:
                    log.info("satellite.disconnected", uri=self.uri)
                    return
                if not AudioChunk.is_type(event.type):
                    continue
                pcm = converter.convert(AudioChunk.from_event(event)).audio
                for ended in await asyncio.to_thread(endpointer.push, pcm):
                    if isinstance(ended, SpeechEnded):
                        await self._answer(client, ended.pcm)

    async def _answer(self, client: AsyncClient, pcm: bytes) -> None:
        heard = await recognize(await self._recognizer(), pcm)
        command = after_wake_phrase(heard.text)
        if command is None:
            return  # not said to Jarvis: forgotten at once
        await client.write_event(Detection(name=WAKE_NAME).event())
        await client.write_event(Transcript(text=command).event())
        reply = await self._handle(command) if command else None
        self.answered += 1
        log.info("satellite.answered", uri=self.uri, replied=reply is not None)
        if reply and self._speaker is not None:
            await _speak(client, await self._speaker(), reply)


async def _speak(client: AsyncClient, speaker: Speaker, text: str) -> None:
    started = False
    rate = SAMPLE_RATE_HZ
    async for speech in speaker.synthesize(text):
        rate = speech.sample_rate_hz
        if not started:
            await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
            started = True
        step = CHUNK_SAMPLES * 2
        for offset in range(0, len(speech.pcm), step):
            audio = speech.pcm[offset : offset + step]
            await client.write_event(
                AudioChunk(rate=rate, width=2, channels=1, audio=audio).event()
            )
    if started:
        await client.write_event(AudioStop().event())

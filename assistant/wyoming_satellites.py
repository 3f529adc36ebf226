"""Wyoming satellites as Jarvis's microphones: a room's ``wyoming-satellite`` (a Pi with a
microphone and a speaker, no Jarvis installed) streams to Jarvis, and hears the reply.

Jarvis connects to the satellite as Home Assistant would (``RunSatellite``) and runs the
pipeline on its stream, as on the local microphone: until the wake word, the audio goes to the
wake word detector and nowhere else (``WakeGate``: no recognizer, nothing logged or kept); on
"hey jarvis" the satellite is told (``Detection``) and so are the edge's listeners (a ``wake``
event on ``/v1/events`` naming the satellite), our endpointer cuts the command that follows
(said in the same breath or within a few seconds), whisper hears it, it goes through the edge's
conversation, and the reply is synthesized and sent back as audio for the satellite's speaker.
With ``JARVIS_WAKE_WORD=none`` every utterance is a command. The link is re-dialled with backoff
whenever it drops, whichever side restarted: the failure satellite users report most is one
that never comes back after a server reboot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import structlog
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.satellite import RunSatellite
from wyoming.wake import Detection

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES
from assistant.audio.endpointing import Endpointer, RoomLevels, SpeechDetector, SpeechEnded
from assistant.audio.wake_word import NearMiss
from assistant.events import WAKE_EVENT_KIND
from assistant.listening import wake_heard
from assistant.stt import Recognizer, recognize
from assistant.tts import Speaker
from assistant.wake_gate import AfterWake, Wake, WakeGate, command_window
from assistant.wyoming_server import CHUNK_SAMPLES, Handle
from assistant.wyoming_wake import SharedWake, model_name
from models import Reply

log = structlog.get_logger(__name__)

RETRY_MIN_S = 0.5
RETRY_MAX_S = 10.0
"""Re-dial backoff: doubling from the first, never longer than the second."""
COMMAND_WAIT_S = 5.0
"""After the wake word, seconds of audio in which the command must begin (as on the local
microphone's ``command_wait_s``); then the satellite goes back to sleep."""


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
        wake: SharedWake | None,
        publish: Callable[[Reply], None] | None = None,
    ) -> None:
        """``publish`` receives a ``wake`` event each time the wake word wakes this satellite
        (the edge's ``ReplyBus``, as the voice loop's wakes)."""
        self.uri = uri
        self._publish = publish
        self._recognizer = recognizer
        self._speaker = speaker
        self._handle = handle
        self._detector = detector
        self._wake = wake
        self.connections = 0
        """How many times the link came up (a test's and a status page's view)."""
        self.woken = 0
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
            gate = WakeGate(await self._wake.detector()) if self._wake is not None else None
            try:
                async with contextlib.aclosing(_audio(client)) as frames:
                    while await self._turn(client, frames, gate, endpointer):
                        pass
            finally:
                if gate is not None:
                    await gate.close()
            log.info("satellite.disconnected", uri=self.uri)

    async def _turn(
        self,
        client: AsyncClient,
        frames: AsyncIterator[bytes],
        gate: WakeGate | None,
        endpointer: Endpointer,
    ) -> bool:
        """Sleep until the wake word, hear the command, answer it; false when the satellite
        hung up."""
        if gate is None:
            pcm = await _utterance(frames, endpointer)
            if pcm is None:
                return False
            command = (await recognize(await self._recognizer(), pcm)).text.strip()
            if not command:
                log.info("satellite.asleep", uri=self.uri, reason="nothing was said")
                return True
            await self._answer(client, command)
            return True
        wake = await gate.wait(frames, self._near_miss)
        if wake is None:
            return False
        self.woken += 1
        heard = wake_heard(wake.woke, satellite=self.uri)
        log.info("satellite.woke", uri=self.uri, at_s=round(wake.woke.at_s, 2), by=heard.by,
                 score=heard.score, enrolled_voice=heard.voice)  # fmt: skip
        await client.write_event(Detection(name=model_name(gate.detector.model)).event())
        if self._publish is not None:
            self._publish(Reply("", kind=WAKE_EVENT_KIND, woke=heard))
        window = command_window(
            frames, wake.after, limit_s=COMMAND_WAIT_S,
            in_speech=lambda: endpointer.in_speech, busy=lambda: False,
        )  # fmt: skip
        async with contextlib.aclosing(window) as passed:
            command = await self._command(passed, endpointer, wake, gate.detector.model.phrase)
        if not command:
            log.info("satellite.asleep", uri=self.uri, reason="no command after the wake word")
            return True
        await self._answer(client, command)
        return True

    async def _command(
        self, frames: AsyncIterator[bytes], endpointer: Endpointer, wake: Wake, phrase: str
    ) -> str:
        """The command after the wake phrase; empty when none began in time. The first
        utterance begins with the phrase itself (``wake.after``): said before a pause, the
        phrase alone (not recognized), and the command is the next utterance."""
        after = AfterWake(phrase, wake, endpointer)
        while (pcm := await _utterance(frames, endpointer, wake.levels)) is not None:
            heard = ""
            if after.worth_decoding():
                recognizer = await self._recognizer()
                heard = (await recognize(recognizer, pcm, said_first=after.said_first)).text
            if command := after.command(heard):
                return command
        return ""

    def _near_miss(self, event: NearMiss) -> None:
        log.info("satellite.not_woken", uri=self.uri, **event.log_fields())

    async def _answer(self, client: AsyncClient, command: str) -> None:
        await client.write_event(Transcript(text=command).event())
        reply = await self._handle(command)
        self.answered += 1
        log.info("satellite.answered", uri=self.uri, replied=reply is not None)
        if reply and self._speaker is not None:
            await _speak(client, await self._speaker(), reply)


async def _audio(client: AsyncClient) -> AsyncGenerator[bytes, None]:
    """The satellite's microphone as 16 kHz mono int16 PCM, until it hangs up."""
    converter = AudioChunkConverter(rate=SAMPLE_RATE_HZ, width=SAMPLE_WIDTH_BYTES, channels=1)
    while True:
        event = await client.read_event()
        if event is None:
            return
        if AudioChunk.is_type(event.type):
            yield converter.convert(AudioChunk.from_event(event)).audio


async def _utterance(
    frames: AsyncIterator[bytes], endpointer: Endpointer, speaker: RoomLevels | None = None
) -> bytes | None:
    """The next utterance's audio, cut by the endpointer (in a worker thread); ``None`` when
    ``frames`` end before one does. The endpointer follows ``speaker`` (whoever said the wake
    word), as the voice loop's does; without it, it learns the speaker from each utterance."""
    endpointer.reset()
    endpointer.follow(speaker)
    async for pcm in frames:
        for ended in await asyncio.to_thread(endpointer.push, pcm):
            if isinstance(ended, SpeechEnded):
                return ended.pcm
    last = endpointer.flush()
    return last.pcm if last is not None else None


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

"""Jarvis as a Wyoming service: Home Assistant (or any Wyoming client) uses its speech-to-text,
its voices, its wake word and its understanding.

``Describe`` is answered with ``Info`` naming our recognizer, voice, wake word and intent
handling, with versions. Speech to text: ``Transcribe`` (optional), ``AudioStart``,
``AudioChunk``…, ``AudioStop`` → ``Transcript``; the audio, any rate or width, becomes 16 kHz
mono int16 and its silence is trimmed by our endpointer before whisper hears it (a chunk
without a usable format, or not whole frames of it, is answered with an ``Error``, code
``BadAudio``, and dropped; the stream goes on). Wake word:
``Detect``, then the audio → ``Detection`` as soon as "hey jarvis" is heard, or ``NotDetected``
at ``AudioStop`` (:mod:`assistant.wyoming_wake`). Text to speech: ``Synthesize`` →
``AudioStart``, ``AudioChunk``…, ``AudioStop``. Understanding: a ``Transcript`` sent to us is
handled by the edge's conversation → ``Handled`` with the reply, or ``NotHandled``. Audio always
travels as binary payloads. Models load on first use, once, and are shared by every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import structlog
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    Describe,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
    WakeModel,
    WakeProgram,
)
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize
from wyoming.wake import Detect, Detection, NotDetected

from assistant.audio import SAMPLE_RATE_HZ
from assistant.audio.wake_word import Woke
from assistant.errors import ModelNotFoundError
from assistant.stt import Recognizer, recognize
from assistant.tts import Speaker
from assistant.wyoming_audio import chunk_converter, read_chunk
from assistant.wyoming_wake import SharedWake, WakeStream
from models import Reply

log = structlog.get_logger(__name__)

CHUNK_SAMPLES = 1024
"""Samples per ``AudioChunk`` we send: small enough to start playing at once."""
ATTRIBUTION = Attribution(name="Jarvis", url="https://github.com/")
LANGUAGES = ["en"]

Handle = Callable[[str], Awaitable[str | None]]
"""Understands a sentence and returns the reply to say, or ``None`` when it has none."""


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


class Lazy:
    """A model loaded on first use, once, even when several connections ask at the same time."""

    def __init__(self, load: Callable[[], Awaitable[Any]]) -> None:
        self._load = load
        self._value: Any = None
        self._lock = asyncio.Lock()

    async def get(self) -> Any:
        async with self._lock:
            if self._value is None:
                self._value = await self._load()
            return self._value

    async def close(self) -> None:
        if self._value is not None:
            await self._value.close()
            self._value = None


@dataclass
class Services:
    """What the Wyoming server offers; each part absent when this edge does not have it."""

    recognizer: Callable[[], Awaitable[Recognizer]] | None = None
    recognizer_name: str = "whisper"
    recognizer_model: str = "tiny.en"
    speaker: Callable[[], Awaitable[Speaker]] | None = None
    voice_name: str = "piper"
    handle: Handle | None = None
    trim: Callable[[bytes], Awaitable[bytes]] | None = None
    """Cuts the silence around speech (our endpointer), before recognition."""
    wake: SharedWake | None = None
    """The wake word (``hey_jarvis``), for ``Detect``."""

    def info(self) -> Info:
        jarvis = _version("jarvis-assistant")
        info = Info()
        if self.recognizer is not None:
            model = AsrModel(
                name=self.recognizer_model,
                attribution=ATTRIBUTION,
                installed=True,
                description=f"{self.recognizer_name} {self.recognizer_model}",
                version=_version("faster-whisper") if self.recognizer_name == "whisper" else None,
                languages=LANGUAGES,
            )
            info.asr.append(
                AsrProgram(
                    name=f"jarvis-{self.recognizer_name}",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description="Jarvis speech to text, with its own endpointing",
                    version=jarvis,
                    models=[model],
                )
            )
        if self.speaker is not None:
            voice = TtsVoice(
                name=self.voice_name,
                attribution=ATTRIBUTION,
                installed=True,
                description=f"Jarvis's {self.voice_name} voice",
                version=_version("piper-tts") if self.voice_name == "piper" else None,
                languages=LANGUAGES,
            )
            info.tts.append(
                TtsProgram(
                    name=f"jarvis-{self.voice_name}",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description="Jarvis text to speech",
                    version=jarvis,
                    voices=[voice],
                )
            )
        if self.wake is not None:
            wake_model = WakeModel(
                name=self.wake.name,
                attribution=ATTRIBUTION,
                installed=True,
                description=f"Jarvis's wake word, {self.wake.phrase!r}",
                version=jarvis,
                languages=LANGUAGES,
                phrase=self.wake.phrase,
            )
            info.wake.append(
                WakeProgram(
                    name="jarvis-wake-word",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description="Jarvis wake word (openWakeWord features, our own heads)",
                    version=jarvis,
                    models=[wake_model],
                )
            )
        if self.handle is not None:
            model_info = HandleModel(
                name="jarvis-intents",
                attribution=ATTRIBUTION,
                installed=True,
                description="Jarvis's local intents, then its cloud brain",
                version=jarvis,
                languages=LANGUAGES,
            )
            info.handle.append(
                HandleProgram(
                    name="jarvis",
                    attribution=ATTRIBUTION,
                    installed=True,
                    description="Jarvis understanding",
                    version=jarvis,
                    models=[model_info],
                )
            )
        return info


class JarvisHandler(AsyncEventHandler):
    """One client connection: its audio buffer and what it asked for.

    After ``Detect`` the audio stream (until ``AudioStop``) is for the wake word; otherwise it
    is speech to transcribe."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, services: Services
    ) -> None:
        super().__init__(reader, writer)
        self._services = services
        self._converter = chunk_converter()
        self._audio = bytearray()
        self._detecting = False
        """The audio belongs to a ``Detect`` (``_wake`` is its stream, unless it was refused)."""
        self._wake: WakeStream | None = None

    async def handle_event(self, event: Event) -> bool:
        try:
            await self._on(event)
        except (OSError, ValueError, RuntimeError, ModelNotFoundError) as error:
            # A model that failed, audio we cannot read: said to the client, and the link stays.
            log.warning("wyoming.failed", wyoming_event=event.type, error=str(error))
            await self.write_event(Error(text=str(error), code=type(error).__name__).event())
        except (KeyError, TypeError) as error:
            # The wyoming package reads an event's fields without checking them: one missing or
            # of the wrong type is the client's mistake, said to it, not a dropped connection.
            fault = f"no {error}" if isinstance(error, KeyError) else str(error)
            text = f"malformed {event.type} event: {fault}"
            log.warning("wyoming.malformed", wyoming_event=event.type, error=text)
            await self.write_event(Error(text=text, code="malformed-event").event())
        return True

    async def _on(self, event: Event) -> None:
        if Describe.is_type(event.type):
            await self.write_event(self._services.info().event())
        elif Detect.is_type(event.type):
            await self._detect(Detect(names=_names(event)))
        elif Transcribe.is_type(event.type):
            self._detecting, self._wake = False, None
            self._new_stream()
        elif AudioStart.is_type(event.type):
            self._new_stream()
        elif AudioChunk.is_type(event.type):
            chunk = read_chunk(event, self._converter)
            if self._detecting:
                await self._listen(chunk)
            else:
                self._audio += chunk.audio
        elif AudioStop.is_type(event.type):
            if self._detecting:
                await self._stop_listening()
            else:
                await self._transcribe()
        elif Synthesize.is_type(event.type):
            await self._synthesize(_text(event))
        elif Transcript.is_type(event.type):
            await self._handle(_text(event))

    def _new_stream(self) -> None:
        self._audio.clear()
        # The resampler's state belongs to one stream, not to the next.
        self._converter = chunk_converter()

    async def _detect(self, detect: Detect) -> None:
        self._detecting, self._wake = True, None
        self._new_stream()
        wake = self._services.wake
        if wake is None:
            await self.write_event(
                Error(text="This server has no wake word.", code="no-wake-word").event()
            )
            return
        if not wake.answers_to(detect.names):
            wanted = ", ".join(detect.names or [])
            await self.write_event(
                Error(
                    text=f"No wake word named {wanted}; this server has {wake.name}.",
                    code="unknown-wake-word",
                ).event()
            )
            return
        self._wake = WakeStream(await wake.detector())

    async def _listen(self, chunk: AudioChunk) -> None:
        if self._wake is None:
            return  # a refused Detect: its audio is dropped, the client was told why
        woke = await self._wake.push(chunk.audio, chunk.timestamp)
        if woke is not None:
            await self._detected(self._wake, woke)

    async def _detected(self, stream: WakeStream, woke: Woke) -> None:
        assert self._services.wake is not None
        log.info("wyoming.woke", at_s=round(woke.at_s, 2), score=round(woke.score, 3),
                 enrolled_voice=woke.voice, by=woke.by)  # fmt: skip
        detection = Detection(name=self._services.wake.name, timestamp=stream.timestamp_ms(woke))
        await self.write_event(detection.event())

    async def _stop_listening(self) -> None:
        wake, self._detecting, self._wake = self._wake, False, None
        if wake is None or wake.detected:
            return
        woke = await wake.finish()
        if woke is not None:
            await self._detected(wake, woke)
        else:
            await self.write_event(NotDetected().event())

    async def _transcribe(self) -> None:
        services, pcm = self._services, bytes(self._audio)
        self._audio.clear()
        if services.recognizer is None:
            return
        if services.trim is not None:
            pcm = await services.trim(pcm)
        recognizer = await services.recognizer()
        text = (await recognize(recognizer, pcm)).text if pcm else ""
        log.info("wyoming.transcribed", audio_s=round(len(pcm) / 2 / SAMPLE_RATE_HZ, 2))
        await self.write_event(Transcript(text=text).event())

    async def _synthesize(self, text: str) -> None:
        if self._services.speaker is None:
            return
        speaker = await self._services.speaker()
        started = False
        async for speech in speaker.synthesize(text):
            if not started:
                await self.write_event(
                    AudioStart(rate=speech.sample_rate_hz, width=2, channels=1).event()
                )
                started = True
            step = CHUNK_SAMPLES * 2
            for offset in range(0, len(speech.pcm), step):
                chunk = AudioChunk(
                    rate=speech.sample_rate_hz,
                    width=2,
                    channels=1,
                    audio=speech.pcm[offset : offset + step],
                )
                await self.write_event(chunk.event())
        if started:
            await self.write_event(AudioStop().event())

    async def _handle(self, text: str) -> None:
        if self._services.handle is None:
            await self.write_event(NotHandled(text="I can't handle requests here.").event())
            return
        reply = await self._services.handle(text)
        if reply is None:
            await self.write_event(NotHandled(text="I have no answer to that.").event())
        else:
            await self.write_event(Handled(text=reply).event())


class WyomingServer:
    """Serves :class:`Services` on a ``tcp://``, ``unix://`` URI; :meth:`close` stops it."""

    def __init__(self, server: AsyncServer, services: Services) -> None:
        self._server = server
        self.services = services

    @classmethod
    async def start(cls, uri: str, services: Services) -> WyomingServer:
        server = AsyncServer.from_uri(uri)
        await server.start(lambda reader, writer: JarvisHandler(reader, writer, services))
        log.info("wyoming.listening", uri=uri)
        return cls(server, services)

    @property
    def port(self) -> int | None:
        """The TCP port actually bound (``tcp://host:0`` picks one)."""
        listening = getattr(self._server, "_server", None)
        if listening is None or not listening.sockets:
            return None
        return int(listening.sockets[0].getsockname()[1])

    async def close(self) -> None:
        await self._server.stop()
        listening = getattr(self._server, "_server", None)
        if listening is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await listening.wait_closed()


@contextlib.asynccontextmanager
async def serving(uri: str, services: Services) -> AsyncIterator[WyomingServer]:
    server = await WyomingServer.start(uri, services)
    try:
        yield server
    finally:
        await server.close()


HANDLE_TIMEOUT_S = 15.0
"""How long a ``Transcript`` to handle waits for a reply the cloud gives later."""


def conversation_handle(
    submit: Callable[[str], Awaitable[Any]],
    subscribe: Callable[[], contextlib.AbstractAsyncContextManager[asyncio.Queue[Reply]]],
    timeout_s: float = HANDLE_TIMEOUT_S,
) -> Handle:
    """A :data:`Handle` over the edge's conversation: a local reply at once, a cloud reply
    when it arrives (within ``timeout_s``)."""

    async def handle(text: str) -> str | None:
        async with subscribe() as replies:
            record = await submit(text)
            if record.status != "pending":
                return str(record.reply) if record.reply else None
            try:
                async with asyncio.timeout(timeout_s):
                    while True:
                        reply = await replies.get()
                        if reply.utterance_id == record.id and reply.kind == "reply":
                            return reply.text
            except TimeoutError:
                return None

    return handle


def _names(event: Event) -> list[str] | None:
    """A ``detect`` event's wake word names: a list of strings, or none (any). The package
    would pass a lone string on, and it would be read letter by letter."""
    names = event.data.get("names")
    if names is not None and not (
        isinstance(names, list) and all(isinstance(name, str) for name in names)
    ):
        raise TypeError(f"its names must be a list of strings, not {names!r}")
    return names


def _text(event: Event) -> str:
    """A ``synthesize`` or ``transcript`` event's text (the package's own ``from_event`` would
    pass a number or a list on to the voice or the conversation)."""
    text = event.data.get("text")
    if not isinstance(text, str):
        raise TypeError(f"its text must be a string, not {text!r}")
    return text

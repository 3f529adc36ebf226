"""The edge's Wyoming side, wired from its settings: a server (its recognizer, its voice, its
wake word, its conversation) and links to satellites. Models load on first need, not at start-up
(only the wake word's small heads are read then, so a wrong ``JARVIS_WAKE_WORD`` is said at
once)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from assistant.audio.endpointing import (
    SileroDetector,
    SpeechDetector,
    load_detector,
    trim_silence,
)
from assistant.errors import EdgeSetupError, ModelNotFoundError
from assistant.events import ReplyBus
from assistant.listening import ListeningState
from assistant.stt import Recognizer
from assistant.stt.auto import load_recognizer
from assistant.tts import Speaker
from assistant.tts.queue import load_speaker
from assistant.wyoming_satellites import SatelliteLink
from assistant.wyoming_server import Lazy, Services, WyomingServer, conversation_handle
from assistant.wyoming_wake import SharedWake
from jarvis.settings import Settings
from jarvis.tasks import cancel_and_wait


class EdgeWyoming:
    """The running server, the satellite links and the models they loaded; :meth:`close` stops
    and frees them all."""

    def __init__(
        self,
        server: WyomingServer | None,
        links: list[SatelliteLink],
        models: list[Lazy],
    ) -> None:
        self._server = server
        self.links = links
        self._models = models
        self._tasks = [
            asyncio.create_task(link.run(), name=f"satellite {link.uri}") for link in links
        ]

    @property
    def server(self) -> WyomingServer:
        assert self._server is not None, "no Wyoming server was asked for"
        return self._server

    @classmethod
    async def start(
        cls,
        settings: Settings,
        submit: Callable[[str], Awaitable[Any]],
        bus: ReplyBus,
        listening: ListeningState | None = None,
    ) -> EdgeWyoming:
        """``listening`` holds each satellite's switch (the console's); without one, switches
        of their own."""
        listening = listening if listening is not None else ListeningState()
        engine = "whisper" if settings.stt_engine == "auto" else settings.stt_engine

        async def recognizer() -> Recognizer:
            return await load_recognizer(
                engine,
                settings.data_dir,
                vosk_model=settings.vosk_model,
                whisper_model=settings.whisper_model,
                language=settings.stt_language,
            )

        async def speaker() -> Speaker:
            voice = str(settings.piper_voice) if settings.piper_voice else None
            return await load_speaker(settings.tts_engine, piper_voice=voice)

        recognizers, speakers = Lazy(recognizer), Lazy(speaker)
        handle = conversation_handle(submit, bus.subscribe)
        detector = _Detector()

        async def trim(pcm: bytes) -> bytes:
            return await detector.trim(pcm)

        wake = None
        if settings.wake_phrase is not None:
            try:
                wake = await SharedWake.load(
                    settings.wake_phrase,
                    settings.wake_sensitivity,
                    settings.data_dir,
                    companion=settings.wake_companion,
                    check=settings.wake_check,
                    slowed=settings.wake_slowed,
                )
            except ModelNotFoundError as error:
                raise EdgeSetupError(str(error)) from None

        services = Services(
            recognizer=recognizers.get,
            recognizer_name=engine,
            recognizer_model="tiny.en" if engine == "whisper" else "vosk",
            speaker=speakers.get if settings.tts_engine != "none" else None,
            voice_name=settings.tts_engine,
            handle=handle,
            trim=trim,
            wake=wake,
        )
        server = None
        if settings.wyoming_uri:
            server = await WyomingServer.start(settings.wyoming_uri, services)
        links = [
            SatelliteLink(
                uri,
                recognizer=recognizers.get,
                speaker=services.speaker,
                handle=handle,
                detector=_load_detector,
                wake=wake,
                publish=bus.publish,
                follow_up_s=settings.follow_up_s,
                ear=listening.satellite(uri),
            )
            for uri in settings.wyoming_satellites
        ]
        return cls(server, links, [recognizers, speakers])

    async def close(self) -> None:
        try:
            # A link that had failed is logged there, by its task's name ("satellite URI").
            await cancel_and_wait(*self._tasks)
        finally:
            if self._server is not None:
                await self._server.close()
            for model in self._models:
                await model.close()


async def _load_detector() -> SpeechDetector:
    return await asyncio.to_thread(load_detector)


class _Detector:
    """Our endpointer (Silero VAD), loaded on first use; trimming runs off the event loop."""

    def __init__(self) -> None:
        self._detector: SileroDetector | None = None
        self._lock = asyncio.Lock()

    async def trim(self, pcm: bytes) -> bytes:
        async with self._lock:
            if self._detector is None:
                self._detector = await asyncio.to_thread(SileroDetector.load)
            trimmed = await asyncio.to_thread(trim_silence, pcm, self._detector)
        # Nothing heard as speech: give the recognizer the audio as it came, it decides.
        return trimmed or pcm

"""The edge's Wyoming server, wired from its settings: its recognizer, its voice, its
conversation. Models load on the first request that needs them, not at start-up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from assistant.audio.endpointing import SileroDetector, trim_silence
from assistant.events import ReplyBus
from assistant.stt import Recognizer
from assistant.stt.auto import load_recognizer
from assistant.tts import Speaker
from assistant.tts.queue import load_speaker
from assistant.wyoming_server import Lazy, Services, WyomingServer, conversation_handle
from jarvis.settings import Settings


class EdgeWyoming:
    """The running server and the models it loaded; :meth:`close` stops and frees them."""

    def __init__(self, server: WyomingServer, models: list[Lazy]) -> None:
        self.server = server
        self._models = models

    @classmethod
    async def start(
        cls, settings: Settings, submit: Callable[[str], Awaitable[Any]], bus: ReplyBus
    ) -> EdgeWyoming:
        assert settings.wyoming_uri is not None
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
        detector = _Detector()

        async def trim(pcm: bytes) -> bytes:
            return await detector.trim(pcm)

        services = Services(
            recognizer=recognizers.get,
            recognizer_name=engine,
            recognizer_model="tiny.en" if engine == "whisper" else "vosk",
            speaker=speakers.get if settings.tts_engine != "none" else None,
            voice_name=settings.tts_engine,
            handle=conversation_handle(submit, bus.subscribe),
            trim=trim,
        )
        server = await WyomingServer.start(settings.wyoming_uri, services)
        return cls(server, [recognizers, speakers])

    async def close(self) -> None:
        await self.server.close()
        for model in self._models:
            await model.close()


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

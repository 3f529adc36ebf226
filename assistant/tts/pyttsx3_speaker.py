"""pyttsx3: the default voice, needing nothing but the platform's engine (espeak-ng on Linux).

pyttsx3's engine is bound to the thread that created it and is not thread-safe, so every call
runs on one dedicated worker thread; each sentence is rendered to a temporary WAV and read back.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import tempfile
import wave
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.tts import Speech, sentences


class Pyttsx3Speaker:
    """Implements ``Speaker`` with pyttsx3."""

    name = "pyttsx3"

    def __init__(self, executor: ThreadPoolExecutor, engine: Any, workdir: Path):
        self._executor = executor
        self._engine = engine
        self._workdir = workdir

    @classmethod
    async def load(cls, *, rate_wpm: int | None = None) -> Pyttsx3Speaker:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyttsx3")
        loop = asyncio.get_running_loop()
        try:
            engine = await loop.run_in_executor(executor, _init_engine, rate_wpm)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        workdir = Path(tempfile.mkdtemp(prefix="jarvis-tts-"))
        return cls(executor, engine, workdir)

    async def synthesize(self, text: str) -> AsyncIterator[Speech]:
        loop = asyncio.get_running_loop()
        for sentence in sentences(text):
            yield await loop.run_in_executor(self._executor, self._render, sentence)

    def _render(self, sentence: str) -> Speech:
        path = self._workdir / "sentence.wav"
        self._engine.save_to_file(sentence, str(path))
        # The espeak driver prints "Audio saved to …" on stdout, which would corrupt --json output.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.runAndWait()
        with wave.open(str(path), "rb") as audio:
            speech = Speech(audio.readframes(audio.getnframes()), audio.getframerate())
        path.unlink(missing_ok=True)
        return speech

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        with contextlib.suppress(OSError):
            self._workdir.rmdir()


def _init_engine(rate_wpm: int | None) -> Any:
    import pyttsx3

    engine = pyttsx3.init()
    if rate_wpm:
        engine.setProperty("rate", rate_wpm)
    return engine

"""pyttsx3: the default voice, needing nothing but the platform's engine (espeak-ng on Linux).

pyttsx3's engine is bound to the thread that created it and is not thread-safe, so every call
runs on one dedicated worker thread; each sentence is rendered to a temporary WAV and read back.

pyttsx3 2.99's espeak driver synthesizes in espeak's own thread (``AUDIO_OUTPUT_RETRIEVAL``) and
its ``runAndWait`` may return before that thread has written the file: read at once, the reply
was missing or empty now and then (an e2e test caught it). So the file is removed before each
sentence and read only once it is whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import tempfile
import time
import wave
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.tts import Speech, sentences

WAV_HEADER_BYTES = 44
RENDER_WAIT_S = 10.0
"""How long a sentence's file may take to appear after ``runAndWait`` returned."""
POLL_S = 0.005


class Pyttsx3Speaker:
    """Implements ``Speaker`` with pyttsx3."""

    name = "pyttsx3"

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        engine: Any,
        workdir: Path,
        *,
        render_wait_s: float = RENDER_WAIT_S,
    ):
        self._executor = executor
        self._engine = engine
        self._workdir = workdir
        self._render_wait_s = render_wait_s

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
        path.unlink(missing_ok=True)  # never read the last sentence's file as this one's
        self._engine.save_to_file(sentence, str(path))
        # The espeak driver prints "Audio saved to …" on stdout, which would corrupt --json output.
        with contextlib.redirect_stdout(io.StringIO()):
            self._engine.runAndWait()
        speech = _whole_wav(path, time.monotonic() + self._render_wait_s)
        path.unlink(missing_ok=True)
        return speech

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        with contextlib.suppress(OSError):
            self._workdir.rmdir()


def _whole_wav(path: Path, deadline: float) -> Speech:
    """The WAV at ``path`` once it is all written (its data as long as its header says)."""
    while True:
        try:
            with wave.open(str(path), "rb") as audio:
                frames = audio.getnframes()
                expected = WAV_HEADER_BYTES + frames * audio.getsampwidth() * audio.getnchannels()
                # The driver writes the header (with the real length) before the data; an empty
                # synthesis is a complete file too, so it does not stall the queue.
                if path.stat().st_size >= expected:
                    return Speech(audio.readframes(frames), audio.getframerate())
        except (FileNotFoundError, EOFError, wave.Error):
            pass
        if time.monotonic() >= deadline:
            raise FileNotFoundError(f"pyttsx3 wrote no speech to {path}")
        time.sleep(POLL_S)


def _init_engine(rate_wpm: int | None) -> Any:
    import pyttsx3

    engine = pyttsx3.init()
    if rate_wpm:
        engine.setProperty("rate", rate_wpm)
    return engine

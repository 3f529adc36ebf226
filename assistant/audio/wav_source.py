"""WAV files as an audio source: any rate, any channel count, int or float samples.

The standard ``wave`` module reads only integer PCM, so a float WAV from an editor would fail with
an obscure message; this small RIFF reader handles the common formats and, for anything else,
raises ``AudioFormatError`` naming the file and what is wrong with it.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, resample, to_pcm
from assistant.errors import AudioFormatError

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE
_STREAMING_SIZES = (0, 0xFFFFFFFF)
"""Data sizes writers leave when they stream and never seek back: read to the end instead."""


@dataclass(frozen=True, slots=True)
class WavInfo:
    sample_rate_hz: int
    channels: int
    bits_per_sample: int
    is_float: bool


def read_wav(path: Path) -> bytes:
    """The file's audio as 16 kHz mono int16 PCM (channels averaged, rate converted)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AudioFormatError(f"cannot read {path}: {error.strerror}") from None
    info, payload = parse_wav(data, str(path))
    samples = _decode(payload, info)
    mono = samples.mean(axis=1) if info.channels > 1 else samples[:, 0]
    return to_pcm(resample(mono, info.sample_rate_hz, SAMPLE_RATE_HZ))


def parse_wav(data: bytes, name: str = "audio") -> tuple[WavInfo, bytes]:
    """The format and the sample bytes of a RIFF/WAVE file, or ``AudioFormatError``."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError(f"{name} is not a WAV file (no RIFF/WAVE header)")
    info: WavInfo | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, offset)
        body_at = offset + 8
        if chunk_id == b"fmt ":
            info = _parse_format(data[body_at : body_at + size], name)
        elif chunk_id == b"data":
            if info is None:
                raise AudioFormatError(f"{name} has its audio before its format chunk")
            if size in _STREAMING_SIZES:
                size = len(data) - body_at
            elif body_at + size > len(data):
                missing = body_at + size - len(data)
                raise AudioFormatError(f"{name} is truncated: {missing} bytes of audio are missing")
            return info, data[body_at : body_at + size]
        offset = body_at + size + (size & 1)  # chunks are padded to an even size
    raise AudioFormatError(f"{name} has no audio data chunk (truncated or empty WAV)")


def _parse_format(body: bytes, name: str) -> WavInfo:
    if len(body) < 16:
        raise AudioFormatError(f"{name} has a truncated format chunk")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
    if tag == _EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack_from("<H", body, 24)[0]  # the first two bytes of the sub-format GUID
    if tag not in (_PCM, _FLOAT):
        raise AudioFormatError(f"{name} uses WAV format tag {tag}; only PCM and float are read")
    valid = {_PCM: (8, 16, 24, 32), _FLOAT: (32, 64)}[tag]
    if bits not in valid or channels == 0 or rate == 0:
        raise AudioFormatError(f"{name}: unsupported {bits}-bit, {channels}-channel, {rate} Hz")
    return WavInfo(rate, channels, bits, tag == _FLOAT)


def _decode(payload: bytes, info: WavInfo) -> np.ndarray:
    """Samples as float64 in [-1, 1], shaped (frames, channels)."""
    width = info.bits_per_sample // 8
    usable = len(payload) - len(payload) % (width * info.channels)
    raw = payload[:usable]
    if info.is_float:
        samples = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float64)
    elif width == 1:  # 8-bit WAV is the one unsigned format
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128) / 128
    elif width == 3:
        triples = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        samples = np.where(values >= 1 << 23, values - (1 << 24), values) / float(1 << 23)
    else:
        dtype = "<i2" if width == 2 else "<i4"
        samples = np.frombuffer(raw, dtype=dtype).astype(np.float64) / float(1 << (8 * width - 1))
    return samples.reshape(-1, info.channels)


class WavSource:
    """Implements ``AudioSource`` over a WAV file, optionally paced like a live microphone."""

    def __init__(self, path: Path, *, realtime: bool = False, trailing_silence_s: float = 0.0):
        self._path = path
        self._realtime = realtime
        # Files often end right after the last word; the silence lets an endpointer see the end.
        self._trailing_silence_s = trailing_silence_s
        self._closed = False

    async def frames(self) -> AsyncIterator[bytes]:
        pcm = await asyncio.to_thread(read_wav, self._path)
        pcm += bytes(2 * round(self._trailing_silence_s * SAMPLE_RATE_HZ))
        frame_s = FRAME_BYTES / (2 * SAMPLE_RATE_HZ)
        for start in range(0, len(pcm), FRAME_BYTES):
            if self._closed:
                return
            yield pcm[start : start + FRAME_BYTES]
            if self._realtime:
                await asyncio.sleep(frame_s)  # pacing a file like a microphone, not endpointing

    async def close(self) -> None:
        self._closed = True

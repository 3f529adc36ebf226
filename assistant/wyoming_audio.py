"""Audio chunks from a Wyoming peer (Home Assistant, a satellite), checked before they are
converted.

The ``wyoming`` package trusts a chunk's header: one without its ``rate`` raises ``KeyError``,
one whose width audioop cannot read raises ``audioop.error``, and a payload that is not a whole
number of its frames passes straight through as odd-length PCM, to fail later, deep in the
endpointer. A peer that sends such a chunk gets one clear error instead (:class:`BadAudio`, a
``ValueError``), and what it sent before is kept.
"""

from __future__ import annotations

from typing import Any

from wyoming.audio import AudioChunk, AudioChunkConverter
from wyoming.event import Event

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES

RATES_HZ = range(4_000, 192_001)
"""Sample rates we resample from: telephone to studio."""
WIDTHS_BYTES = (1, 2, 3, 4)
"""What audioop converts."""
CHANNELS = (1, 2)
"""Mono, or stereo mixed down (more channels would be read as pairs of samples)."""


class BadAudio(ValueError):
    """A chunk we cannot read as audio; the message says why."""


def chunk_converter() -> AudioChunkConverter:
    """A converter to what the edge hears: 16 kHz mono int16 (one per stream: it keeps the
    resampler's state)."""
    return AudioChunkConverter(rate=SAMPLE_RATE_HZ, width=SAMPLE_WIDTH_BYTES, channels=1)


def read_chunk(event: Event, converter: AudioChunkConverter) -> AudioChunk:
    """The ``audio-chunk`` ``event`` as 16 kHz mono int16, its timestamp kept;
    :class:`BadAudio` when its format is missing or unusable, its payload is not whole frames of
    it, or its timestamp is not a number."""
    data = event.data or {}
    rate = _field(data, "rate", RATES_HZ)
    width = _field(data, "width", WIDTHS_BYTES)
    channels = _field(data, "channels", CHANNELS)
    timestamp = data.get("timestamp")
    if timestamp is not None and (
        not isinstance(timestamp, int | float) or isinstance(timestamp, bool)
    ):
        raise BadAudio(f"audio-chunk with timestamp {timestamp!r}: expected milliseconds")
    audio = event.payload or b""
    frame = width * channels
    if len(audio) % frame:
        raise BadAudio(
            f"audio-chunk of {len(audio)} bytes is not a whole number of {frame}-byte frames "
            f"(width {width}, {channels} channel{'s' if channels > 1 else ''})"
        )
    chunk = AudioChunk(
        rate=rate,
        width=width,
        channels=channels,
        audio=audio,
        timestamp=None if timestamp is None else round(timestamp),
    )
    return converter.convert(chunk)


def _field(data: dict[str, Any], name: str, allowed: range | tuple[int, ...]) -> int:
    value = data.get(name)
    if value is None:
        raise BadAudio(f"audio-chunk without its {name}")
    # bool is an int to Python, never a sample rate to a person.
    if not isinstance(value, int) or isinstance(value, bool) or value not in allowed:
        if isinstance(allowed, range):
            expected = f"{allowed.start} to {allowed.stop - 1}"
        else:
            expected = ", ".join(map(str, allowed))
        raise BadAudio(f"audio-chunk with {name} {value!r}: expected {expected}")
    return value

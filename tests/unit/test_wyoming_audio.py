"""A Wyoming peer's audio chunks: read whatever their format, refused plainly when unreadable."""

from __future__ import annotations

import numpy as np
import pytest
from wyoming.event import Event

from assistant.wyoming_audio import BadAudio, chunk_converter, read_chunk

MONO = {"rate": 16_000, "width": 2, "channels": 1}


def _event(data: dict[str, object], payload: bytes) -> Event:
    return Event(type="audio-chunk", data=data, payload=payload)


def test_a_44k_stereo_chunk_becomes_16k_mono_int16_with_its_timestamp() -> None:
    """0.1 s of 44.1 kHz 16-bit stereo, both channels a 440 Hz tone, comes out as ~0.1 s of
    16 kHz mono carrying the same tone, stamped as sent."""
    t = np.arange(4410) / 44_100
    tone = (np.sin(2 * np.pi * 440 * t) * 10_000).astype(np.int16)
    stereo = np.repeat(tone, 2).tobytes()
    chunk = read_chunk(
        _event({"rate": 44_100, "width": 2, "channels": 2, "timestamp": 1500}, stereo),
        chunk_converter(),
    )
    assert (chunk.rate, chunk.width, chunk.channels, chunk.timestamp) == (16_000, 2, 1, 1500)
    samples = np.frombuffer(chunk.audio, np.int16)
    assert abs(samples.size - 1600) <= 2
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    assert abs(np.argmax(spectrum) * 16_000 / samples.size - 440) < 20


@pytest.mark.parametrize(
    ("data", "payload", "says"),
    [
        ({"width": 2, "channels": 1}, b"\0\0", "without its rate"),
        ({"rate": 16_000, "channels": 1}, b"\0\0", "without its width"),
        ({"rate": 16_000, "width": 2}, b"\0\0", "without its channels"),
        ({"rate": 0, "width": 2, "channels": 1}, b"\0\0", "rate 0: expected 4000 to 192000"),
        ({"rate": "16000", "width": 2, "channels": 1}, b"\0\0", "rate '16000'"),
        ({"rate": True, "width": 2, "channels": 1}, b"\0\0", "rate True"),
        ({"rate": 16_000, "width": 7, "channels": 1}, b"\0" * 7, "width 7: expected 1, 2, 3, 4"),
        ({"rate": 16_000, "width": 2, "channels": 6}, b"\0" * 12, "channels 6: expected 1, 2"),
        (MONO, b"\0\0\0", "3 bytes is not a whole number of 2-byte frames"),
        (MONO | {"channels": 2}, b"\0" * 6, "6 bytes is not a whole number of 4-byte frames"),
        (MONO | {"timestamp": "noon"}, b"\0\0", "timestamp 'noon'"),
    ],
)  # fmt: skip
def test_an_unreadable_chunk_is_refused_saying_why(
    data: dict[str, object], payload: bytes, says: str
) -> None:
    with pytest.raises(BadAudio, match=says):
        read_chunk(_event(data, payload), chunk_converter())


def test_an_empty_chunk_is_no_audio_not_an_error() -> None:
    chunk = read_chunk(_event({"rate": 16_000, "width": 2, "channels": 1}, b""), chunk_converter())
    assert chunk.audio == b""

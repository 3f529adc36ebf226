"""WAV reading: every common format and rate becomes 16 kHz mono; broken files say why."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import SAMPLE_RATE_HZ, duration_s, resample
from assistant.audio.wav_source import WavSource, read_wav
from assistant.errors import AudioFormatError

TONE_HZ = 440


def _tone(rate_hz: int, seconds: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate_hz * seconds)) / rate_hz
    return 0.5 * np.sin(2 * np.pi * TONE_HZ * t)


def _peak_hz(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * SAMPLE_RATE_HZ / samples.size)


def _int_wav(path: Path, samples: np.ndarray, rate_hz: int, width: int, channels: int) -> Path:
    frames = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    if width == 1:
        raw = (frames * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        ints = (frames * (2**23 - 1)).astype("<i4")
        raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        raw = (frames * (2 ** (8 * width - 1) - 1)).astype(f"<i{width}").tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate_hz)
        out.writeframes(raw)
    return path


def _float_wav(path: Path, samples: np.ndarray, rate_hz: int) -> Path:
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate_hz, rate_hz * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.mark.parametrize(
    ("rate_hz", "width", "channels"),
    [(16_000, 2, 1), (44_100, 2, 2), (8_000, 1, 1), (48_000, 3, 2), (22_050, 4, 1)],
)
def test_integer_wavs_become_16khz_mono(
    tmp_path: Path, rate_hz: int, width: int, channels: int
) -> None:
    """8/16/24/32-bit WAVs at any rate and channel count keep their length and their pitch."""
    path = _int_wav(tmp_path / "tone.wav", _tone(rate_hz), rate_hz, width, channels)
    pcm = read_wav(path)
    assert duration_s(pcm) == pytest.approx(0.5, abs=0.001)
    assert _peak_hz(pcm) == pytest.approx(TONE_HZ, abs=3)


def test_float_wav_is_read(tmp_path: Path) -> None:
    """IEEE-float WAVs (which the wave module rejects) are read too."""
    pcm = read_wav(_float_wav(tmp_path / "f.wav", _tone(32_000), 32_000))
    assert _peak_hz(pcm) == pytest.approx(TONE_HZ, abs=3)


def test_resampling_does_not_alias() -> None:
    """A tone above the new Nyquist frequency vanishes instead of folding back as a false tone."""
    rate_hz = 44_100
    t = np.arange(rate_hz) / rate_hz
    high = np.sin(2 * np.pi * 12_000 * t)
    assert float(np.abs(resample(high, rate_hz, SAMPLE_RATE_HZ)).max()) < 0.01


def test_truncated_wav_names_the_problem(tmp_path: Path) -> None:
    """A WAV cut short mid-data raises AudioFormatError saying it is truncated."""
    path = _int_wav(tmp_path / "t.wav", _tone(16_000), 16_000, 2, 1)
    path.write_bytes(path.read_bytes()[:-3000])
    with pytest.raises(AudioFormatError, match="truncated"):
        read_wav(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a WAV"),
        (b"ID3\x04 mp3 bytes here......", "not a WAV"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no audio data"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt \x04\x00\x00\x00\x01\x00", "truncated format"),
    ],
)
def test_broken_files_raise_format_errors(tmp_path: Path, content: bytes, message: str) -> None:
    """Empty, foreign and headless files raise AudioFormatError with a readable reason."""
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFormatError, match=message):
        read_wav(path)


def test_missing_file_is_a_format_error(tmp_path: Path) -> None:
    """A path that does not exist is reported like any unreadable audio."""
    with pytest.raises(AudioFormatError, match="cannot read"):
        read_wav(tmp_path / "nope.wav")


async def test_wav_source_yields_20ms_frames_and_trailing_silence(tmp_path: Path) -> None:
    """WavSource streams 20 ms frames of the converted audio, then the silence asked for."""
    path = _int_wav(tmp_path / "s.wav", _tone(44_100), 44_100, 2, 2)
    frames = [f async for f in WavSource(path, trailing_silence_s=0.2).frames()]
    assert {len(f) for f in frames[:-1]} == {640}
    assert duration_s(b"".join(frames)) == pytest.approx(0.7, abs=0.001)
    assert not any(b"".join(frames[-10:]))

"""A synthetic room for training and measuring what hears: noise, babble, reverb, echo, voices.

Not used in production. Everything is seeded numpy at 16 kHz float32, so the wake word's training
script, its benchmark and the tests put speech through the same rooms. The speech itself comes
from espeak-ng (many voices, variants and speeds) and piper's neural voice; the wake word's bench
also hears flite's voices (``flite``), which no training here uses.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ, Float32Array, resample

ESPEAK_RATE_HZ = 22_050
ESPEAK_TIMEOUT_S = 30.0
FLITE_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class EspeakVoice:
    language: str
    """An espeak-ng English voice: ``en-us``, ``en-gb-scotland`` …"""
    variant: str
    """A variant file (``m3``, ``f2``, ``klatt``); it changes pitch, formants and timbre."""
    speed_wpm: int
    pitch: int = 50

    @property
    def name(self) -> str:
        return f"{self.language}+{self.variant}@{self.speed_wpm}"


def espeak(text: str, voice: EspeakVoice) -> Float32Array:
    """``text`` spoken by espeak-ng, as 16 kHz float32 samples (no padding)."""
    result = subprocess.run(
        ["espeak-ng", "-v", f"{voice.language}+{voice.variant}", "-s", str(voice.speed_wpm),
         "-p", str(voice.pitch), "--stdout", text],
        capture_output=True, timeout=ESPEAK_TIMEOUT_S, check=True,
    )  # fmt: skip
    # --stdout writes a WAV whose size fields are unset: skip the 44-byte header.
    pcm = np.frombuffer(result.stdout[44:], dtype="<i2").astype(np.float32) / 32768.0
    return resample(pcm, ESPEAK_RATE_HZ, SAMPLE_RATE_HZ)


FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
"""flite's built-in English voices: diphone (``kal``, at 8 kHz, and ``kal16``) and CMU ARCTIC's
statistical voices (``awb``: Scottish, ``rms`` and ``slt``: American), a synthesis family
apart from espeak-ng's formants and the neural voices (Debian's ``flite`` package)."""


def flite(text: str, voice: str, *, stretch: float = 1.0) -> Float32Array:
    """``text`` spoken by flite's ``voice``, ``stretch`` times as long as it would say it, as
    16 kHz float32 samples."""
    if voice not in FLITE_VOICES:  # flite itself would say it in its default voice
        raise ValueError(f"flite has no voice {voice!r}: one of {', '.join(FLITE_VOICES)}")
    with tempfile.TemporaryDirectory(prefix="flite-") as folder:
        path = Path(folder) / "said.wav"
        subprocess.run(
            ["flite", "-voice", voice, "--setf", f"duration_stretch={stretch}", "-t", text,
             "-o", str(path)],
            capture_output=True, timeout=FLITE_TIMEOUT_S, check=True,
        )  # fmt: skip
        with wave.open(str(path)) as said:
            rate = said.getframerate()
            pcm = np.frombuffer(said.readframes(said.getnframes()), dtype="<i2")
    return resample(pcm.astype(np.float32) / 32768.0, rate, SAMPLE_RATE_HZ)


def piper(
    voice: object, text: str, *, length_scale: float = 1.0, steady: bool = False
) -> Float32Array:
    """``text`` spoken by a loaded piper voice, as 16 kHz float32 samples.

    piper varies every synthesis (noise inside its model), which training wants; ``steady``
    turns that off, so a test hears the same audio on every run and passes or fails alike."""
    from piper import SynthesisConfig

    quiet = 0.0 if steady else None
    config = SynthesisConfig(length_scale=length_scale, noise_scale=quiet, noise_w_scale=quiet)
    chunks = list(voice.synthesize(text, syn_config=config))  # type: ignore[attr-defined]
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    pcm = np.concatenate([np.asarray(c.audio_float_array, dtype=np.float32) for c in chunks])
    return resample(pcm, int(chunks[0].sample_rate), SAMPLE_RATE_HZ)


def pink_noise(count: int, rng: np.random.Generator) -> Float32Array:
    """Noise with a 1/f spectrum (fans, traffic, rooms), unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal(count))
    frequencies = np.arange(spectrum.size, dtype=np.float64)
    frequencies[0] = 1.0
    noise = np.fft.irfft(spectrum / np.sqrt(frequencies), count)
    return np.asarray(noise / (np.sqrt(np.mean(noise**2)) + 1e-12), dtype=np.float32)


def room_impulse(rng: np.random.Generator, rt60_s: float) -> Float32Array:
    """A synthetic room's impulse response: the direct sound, then decaying diffuse reflections."""
    length = int(rt60_s * SAMPLE_RATE_HZ)
    time_s = np.arange(length) / SAMPLE_RATE_HZ
    tail = rng.standard_normal(length) * np.exp(-6.9 * time_s / rt60_s)  # -60 dB at rt60
    tail[: int(0.005 * SAMPLE_RATE_HZ)] = 0.0  # the first reflection arrives after ~5 ms
    impulse = 0.4 * tail / (np.sqrt(np.sum(tail**2)) + 1e-12)
    impulse[0] = 1.0
    return np.asarray(impulse, dtype=np.float32)


def convolve(signal: Float32Array, impulse: Float32Array) -> Float32Array:
    """``signal`` through ``impulse``, the same length as ``signal`` (FFT convolution)."""
    size = signal.size + impulse.size - 1
    fft_size = 1 << (size - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(signal, fft_size) * np.fft.rfft(impulse, fft_size), fft_size)
    return np.asarray(out[: signal.size], dtype=np.float32)


def rms(samples: Float32Array) -> float:
    """Root mean square of the loud part (the speech, not the silence around it)."""
    if samples.size == 0:
        return 0.0
    frames = samples[: samples.size // 160 * 160].reshape(-1, 160)
    if frames.size == 0:
        return float(np.sqrt(np.mean(samples**2)))
    energy = np.mean(frames**2, axis=1)
    loud = energy[energy >= 0.1 * energy.max()] if energy.max() > 0 else energy
    return float(np.sqrt(np.mean(loud)))


def babble(pool: Sequence[Float32Array], count: int, rng: np.random.Generator) -> Float32Array:
    """Other people talking: three random voices from ``pool`` at once, ``count`` samples."""
    out = np.zeros(count, dtype=np.float32)
    for _ in range(3):
        talker = np.zeros(count, dtype=np.float32)
        at = int(rng.integers(0, SAMPLE_RATE_HZ // 2))
        while at < count:
            clip = pool[int(rng.integers(len(pool)))]
            piece = clip[: count - at]
            talker[at : at + piece.size] += piece / (rms(clip) + 1e-9)
            at += piece.size + int(rng.integers(0, SAMPLE_RATE_HZ // 4))
        out += talker
    return np.asarray(out / (np.sqrt(np.mean(out**2)) + 1e-9), dtype=np.float32)


def in_room(
    speech: Float32Array,
    rng: np.random.Generator,
    *,
    snr_db: float | None,
    babble_pool: Sequence[Float32Array] = (),
    rt60_s: float | None = None,
    level_dbfs: float = -26.0,
) -> Float32Array:
    """``speech`` as a room microphone hears it: reverb, then pink noise plus babble at ``snr_db``
    (``None``: clean), normalised to ``level_dbfs`` of speech."""
    out = speech.astype(np.float32)
    if rt60_s is not None:
        out = convolve(out, room_impulse(rng, rt60_s))
    out = out * (10 ** (level_dbfs / 20) / (rms(out) + 1e-9))
    if snr_db is not None:
        noise = pink_noise(out.size, rng)
        if babble_pool:
            noise = 0.6 * noise + 0.8 * babble(babble_pool, out.size, rng)
        noise = noise / (np.sqrt(np.mean(noise**2)) + 1e-9)
        out = out + noise * rms(out) * 10 ** (-snr_db / 20)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def silence(seconds: float) -> Float32Array:
    return np.zeros(round(seconds * SAMPLE_RATE_HZ), dtype=np.float32)


def speech_end_s(samples: Float32Array, threshold: float = 0.02) -> float:
    """Where the last audible sound of a clean clip ends, in seconds."""
    loud = np.flatnonzero(np.abs(samples) >= threshold * max(float(np.abs(samples).max()), 1e-9))
    return float(loud[-1] + 1) / SAMPLE_RATE_HZ if loud.size else 0.0


def echo_of(
    played: Float32Array,
    rng: np.random.Generator,
    *,
    delay_s: float = 0.03,
    gain: float = 0.5,
    rt60_s: float = 0.3,
) -> Float32Array:
    """What a microphone hears of a loudspeaker playing ``played``: delayed, through a room."""
    delayed = np.concatenate([silence(delay_s), played])[: played.size]
    return np.asarray(convolve(delayed, room_impulse(rng, rt60_s)) * gain, dtype=np.float32)


def talk_over(
    reply: Float32Array, command: Float32Array, at_s: float, rng: np.random.Generator
) -> tuple[Float32Array, Float32Array]:
    """A reply played through a room while a command is said over it from ``at_s``: the
    microphone signal, and the echo alone (the benchmark measures what is left of it)."""
    echo = echo_of(reply, rng)
    at = round(at_s * SAMPLE_RATE_HZ)
    mic = np.concatenate(
        [
            echo,
            silence(
                max(0.0, at_s + command.size / SAMPLE_RATE_HZ - echo.size / SAMPLE_RATE_HZ) + 0.8
            ),
        ]
    )
    mic[at : at + command.size] += command * (rms(echo) / (rms(command) + 1e-9))
    mic += rng.standard_normal(mic.size).astype(np.float32) * 3e-4
    return np.clip(mic, -1, 1).astype(np.float32), echo

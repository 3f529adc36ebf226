"""Noise suppression and the echo reference: real WebRTC and speex libraries, synthetic audio."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ, to_float, to_pcm
from assistant.audio.noise_gain import NoiseGain
from assistant.audio.playback import WavFilePlayer
from assistant.audio.speex_echo import (
    EchoCanceller,
    EchoReference,
    ReferencingPlayer,
    echo_return_loss_db,
)
from assistant.testing_room import echo_of, pink_noise
from assistant.tts import Speech


def test_noise_suppression_keeps_the_stream_in_step_whatever_the_frame_size() -> None:
    """Audio fed in odd sizes comes out in whole 10 ms chunks, none lost, in order."""
    noise = NoiseGain.create()
    pcm = to_pcm(0.05 * pink_noise(SAMPLE_RATE_HZ, np.random.default_rng(0)))
    out = b"".join(noise.process(pcm[at : at + 998]) for at in range(0, len(pcm), 998))
    assert len(out) == len(pcm) // 320 * 320


def test_steady_noise_is_suppressed() -> None:
    """Two seconds of pink noise come out much quieter once the suppressor has adapted."""
    noise = NoiseGain.create(auto_gain_dbfs=0)
    pcm = to_pcm(0.05 * pink_noise(3 * SAMPLE_RATE_HZ, np.random.default_rng(1)))
    out = noise.process(pcm)
    tail = slice(len(out) // 2, len(out))
    assert echo_return_loss_db(pcm[tail], out[tail]) > 6


def test_the_reference_is_silence_when_nothing_plays() -> None:
    """The echo reference hands out what was played, then zeros; a cut clears it."""
    reference = EchoReference()
    reference.played(b"\x01\x00" * 4)
    assert reference.take(12) == b"\x01\x00" * 4 + bytes(4)
    reference.played(b"\x01\x00" * 4)
    reference.clear()
    assert reference.take(4) == bytes(4)


async def test_what_is_played_becomes_the_reference(tmp_path: Path) -> None:
    """A 22.05 kHz reply played through the referencing player is the 16 kHz reference."""
    reference = EchoReference()
    player = ReferencingPlayer(WavFilePlayer(tmp_path / "out.wav"), reference)
    tone = (0.2 * np.sin(np.arange(22050) * 2 * np.pi * 440 / 22050)).astype(np.float32)
    await player.play(Speech(to_pcm(tone), 22050))
    await player.close()
    taken = to_float(reference.take(SAMPLE_RATE_HZ * 2))
    assert abs(float(np.sqrt(np.mean(taken**2))) - 0.2 / np.sqrt(2)) < 0.01


def test_the_canceller_removes_an_echo_of_the_reference() -> None:
    """Noise played through a synthetic room is cancelled by more than 20 dB once converged."""
    rng = np.random.default_rng(2)
    played = 0.1 * pink_noise(4 * SAMPLE_RATE_HZ, rng)
    near, far = to_pcm(echo_of(played, rng)), to_pcm(played)
    canceller = EchoCanceller.create()
    out = b"".join(
        canceller.process(near[i : i + 640], far[i : i + 640]) for i in range(0, len(near), 640)
    )
    canceller.close()
    tail = slice(len(out) // 2, len(out))
    assert echo_return_loss_db(near[tail], out[tail]) > 20

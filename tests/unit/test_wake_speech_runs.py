"""Everyday speech for the wake word's training, its whisper check and the slowed look's
calibration is heard in runs of sentences (``speech_in_runs``); the training draws its held-out
flag between runs, so the same seed builds the same audio only if the runs are drawn lazily."""

from __future__ import annotations

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ
from assistant.audio.wake_word_training import SENTENCES_PER_RUN, everyday_runs, speech_in_runs


def _sentences(count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [
        (0.1 * rng.standard_normal(SAMPLE_RATE_HZ // 2 + 800 * i)).astype(np.float32)
        for i in range(count)
    ]


def test_each_run_holds_its_sentences_and_a_pause_after_each() -> None:
    spoken = _sentences(9)
    runs = list(speech_in_runs(spoken, [], np.random.default_rng(3), per_run=4))
    assert len(runs) == 3  # 4 + 4 + 1
    for run, start in zip(runs, (0, 4, 8), strict=True):
        said = sum(s.size for s in spoken[start : start + 4]) / SAMPLE_RATE_HZ
        pauses = len(spoken[start : start + 4])
        seconds = run.size / SAMPLE_RATE_HZ
        assert run.dtype == np.float32
        assert said + 0.3 + 0.2 * pauses <= seconds <= said + 0.3 + 0.6 * pauses + 0.01


def test_runs_are_drawn_only_when_asked_for() -> None:
    rng = np.random.default_rng(7)
    before = rng.bit_generator.state
    runs = speech_in_runs(_sentences(3), [], rng)
    assert rng.bit_generator.state == before
    next(runs)
    assert rng.bit_generator.state != before


def test_the_held_out_draw_between_runs_keeps_the_first_run_as_it_was() -> None:
    """The training's clips are the runs with a held-out flag drawn after each: its first run is
    the lazily drawn first run, and every later one moves by the flags drawn before it."""
    spoken = _sentences(SENTENCES_PER_RUN * 2)
    clips = everyday_runs(spoken, [], np.random.default_rng(11))
    alone = list(speech_in_runs(spoken, [], np.random.default_rng(11)))
    assert len(clips) == len(alone) == 2
    assert np.array_equal(clips[0].samples, alone[0])
    assert not np.array_equal(clips[1].samples, alone[1])

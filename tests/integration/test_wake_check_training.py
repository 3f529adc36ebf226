"""The whisper check's training speaks part of its data in Kokoro's neural voices: from
generators of their own, so the same seed gives the same clips and every other draw of the recipe
is left alone, and in voices that are none of the bench's."""

from __future__ import annotations

import random

import numpy as np
import pytest

import assistant.audio.wake_check_training as training
from assistant.testing_kokoro import Kokoro

pytestmark = pytest.mark.slow


@pytest.fixture
def few(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two voices at two speeds and two near misses said once: each Kokoro clip takes about its
    own length to make, and the test makes the set three times."""
    monkeypatch.setattr(training, "KOKORO_MIXTURES", 2)
    monkeypatch.setattr(training, "KOKORO_SPEEDS", (0.85, 1.15))
    monkeypatch.setattr(training, "KOKORO_NEAR_COPIES", 1)
    monkeypatch.setattr(training, "NEAR_MISSES", ("hey travis", "hey harvey"))


def _clips(seed: int) -> training.KokoroClips:
    return training.kokoro_clips("hey jarvis", ["play some jazz"], seed, lambda _line: None)


@pytest.mark.usefixtures("few")
def test_kokoros_clips_follow_the_seed_and_leave_every_other_draw_alone() -> None:
    random.seed(5)
    np.random.seed(5)
    first = _clips(training.SEED)
    # The global generators the rest of the recipe draws from are where they were.
    assert random.random() == random.Random(5).random()
    assert np.random.random() == np.random.RandomState(5).random_sample()

    per_voice = len(training.KOKORO_SPEEDS)
    assert len(first.phrases) == 2 * per_voice
    assert len(first.near) == 2 * training.KOKORO_NEAR_COPIES
    assert len(first.sentences) == 1
    assert all(clip.size > 0.3 * 16_000 for clip in [*first.phrases, *first.near])

    again = _clips(training.SEED)
    for a, b in zip(
        [*first.phrases, *first.near, *first.sentences],
        [*again.phrases, *again.near, *again.sentences],
        strict=True,
    ):
        assert np.array_equal(a, b)
    other = _clips(training.SEED + 1)
    assert not all(
        a.size == b.size and np.array_equal(a, b)
        for a, b in zip(first.phrases, other.phrases, strict=True)
    )


def test_the_training_voices_are_none_of_the_benchs() -> None:
    kokoro = Kokoro.load()
    rng = np.random.default_rng(training.SEED + training.KOKORO_SEED)
    mixtures = kokoro.unseen_mixtures(rng, training.KOKORO_MIXTURES)
    bench = kokoro.styles()
    assert len(mixtures) == training.KOKORO_MIXTURES
    for mixture in mixtures:
        nearest = min(float(np.abs(mixture.vectors - style.vectors).mean()) for style in bench)
        assert nearest > 0.01, f"{mixture.name} is nearly one of the bench's voices"


def test_the_dev_voices_are_neither_the_trainings_nor_the_benchs() -> None:
    """The threshold and veto are chosen on Kokoro voices the check never heard, and never on
    the bench's."""
    kokoro = Kokoro.load()
    training_voices = kokoro.unseen_mixtures(
        np.random.default_rng(training.SEED + training.KOKORO_SEED), training.KOKORO_MIXTURES
    )
    dev = training.kokoro_dev_mixtures(
        kokoro, training.SEED, np.random.default_rng(training.SEED + training.KOKORO_DEV_SEED)
    )
    assert len(dev) == training.KOKORO_DEV_MIXTURES
    for mixture in dev:
        for others, what in ((kokoro.styles(), "the bench's"), (training_voices, "the training's")):
            nearest = min(float(np.abs(mixture.vectors - o.vectors).mean()) for o in others)
            assert nearest > training.KOKORO_APART, f"{mixture.name} is nearly one of {what} voices"

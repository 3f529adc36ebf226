"""The slowed look's calibration: which peaks it asks about, its replay of the streaming rule,
and the triple it chooses (scores made up; the bundled model gives the thresholds)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from assistant.audio.wake_slowed_calibration import (
    Heard,
    Rates,
    Triple,
    choose,
    peaks,
    replay,
)
from assistant.audio.wake_word import WakeWordModel, bundled_path

SLOWER = Fraction(11, 10)


@pytest.fixture(scope="module")
def model() -> WakeWordModel:
    return WakeWordModel.load(bundled_path("hey jarvis"))


def _heard(detector: list[float], slowed_wakes: dict[int, bool], verifier: float = 1.0) -> Heard:
    """A clip whose detector scores are ``detector`` (verifier 1 throughout) and whose slowed
    audio at each peak step wakes the heads, or not, at ``verifier``."""
    slowed = {
        step: {SLOWER: (np.array([0.2, 0.999 if wakes else 0.9, 0.3]), np.full(3, verifier))}
        for step, wakes in slowed_wakes.items()
    }
    scores = np.array(detector)
    return Heard("phrase", 220, "clean", scores.size * 0.08, scores, np.ones(scores.size), slowed)


def test_a_peak_is_asked_about_only_under_the_threshold_and_over_the_floor() -> None:
    scores = np.array([0.1, 0.95, 0.97, 0.9, 0.999, 0.5, 0.6, 0.6, 0.2, 0.7])
    # 0.97 peaks (0.9 after it falls: no peak); 0.999 woke the heads itself; a flat top is
    # asked about once, at its first step; the last step has no step after it yet.
    assert list(peaks(scores, 0.55, 0.995)) == [2, 6]
    assert list(peaks(scores, 0.96, 0.995)) == [2]


def test_the_slowed_look_wakes_at_a_peak_the_heads_missed(model: WakeWordModel) -> None:
    heard = _heard([0.1, 0.95, 0.97, 0.9, 0.1], {2: True})
    assert replay(model, heard, None) == 0
    assert replay(model, heard, Triple(SLOWER, 0.9, 0.99)) == 1
    # Its floor above the peak, or a verifier stricter than the slowed audio got: no wake.
    assert replay(model, heard, Triple(SLOWER, 0.98, 0.99)) == 0
    assert (
        replay(model, _heard([0.1, 0.95, 0.97, 0.9], {2: True}, 0.9), Triple(SLOWER, 0.9, 0.99))
        == 0
    )
    # Slowed, it is not the phrase either.
    assert replay(model, _heard([0.1, 0.97, 0.9], {1: False}), Triple(SLOWER, 0.9, 0.3)) == 0


def test_one_phrase_wakes_once_whichever_way_it_was_heard(model: WakeWordModel) -> None:
    # Two peaks 0.16 s apart, both heard slowed: the second falls in the refractory time.
    heard = _heard([0.1, 0.97, 0.9, 0.96, 0.5, 0.1], {1: True, 3: True})
    assert replay(model, heard, Triple(SLOWER, 0.9, 0.99)) == 1
    # A peak just after the heads' own wake is not asked about.
    woke_first = _heard([0.1, 0.999, 0.5, 0.97, 0.9], {3: True})
    assert replay(model, woke_first, None) == 1
    assert replay(model, woke_first, Triple(SLOWER, 0.9, 0.99)) == 1


def _rates(false_rejects: float, per_hour: float, near: float) -> Rates:
    return Rates(false_rejects, per_hour, near, {})


def test_it_chooses_the_triple_nearest_the_goals_and_the_stricter_on_a_tie() -> None:
    table = {
        Triple(SLOWER, 0.5, 0.3): _rates(0.20, 1.0, 0.30),  # 4 + 2 + 15 = 21
        Triple(SLOWER, 0.9, 0.95): _rates(0.25, 0.0, 0.30),  # 5 + 0 + 15 = 20
        Triple(SLOWER, 0.9, 0.99): _rates(0.30, 0.0, 0.25),  # 6 + 0 + 12.5 = 18.5
        Triple(Fraction(23, 20), 0.9, 0.99): _rates(0.30, 0.0, 0.25),
    }
    assert table[Triple(SLOWER, 0.9, 0.99)].distance == pytest.approx(18.5)
    assert choose(table) == Triple(SLOWER, 0.9, 0.99)

"""The wake word's per-step rule, shared by the streaming detector and the replays that count
its wakes (the training's thresholds, the enrolled voices' calibration)."""

from __future__ import annotations

import numpy as np

from assistant.audio.wake_word import (
    ENROLLED_FLOOR,
    NEAR_MISS_QUIET_S,
    REFRACTORY_S,
    VERIFY_STEPS,
    NearMiss,
    StepDecision,
    Woke,
    verified_over_recent,
)


def _never_asked() -> float:
    raise AssertionError("the verifier was asked for a step that could not wake")


def test_the_detector_and_the_verifier_must_both_agree_then_it_stays_quiet() -> None:
    decision = StepDecision(0.9, 0.5)
    assert decision.step(1.0, 0.5, _never_asked) is None
    assert decision.step(1.08, 0.95, lambda: 0.2) == NearMiss(1.08, 0.95, 0.2)
    # The same peak is not reported again for a while; then a phrase the verifier agrees on.
    assert decision.step(1.08 + NEAR_MISS_QUIET_S - 0.01, 0.99, _never_asked) is None
    assert decision.step(1.08 + NEAR_MISS_QUIET_S, 0.99, lambda: 0.8) == Woke(1.58, 0.99, 0.8)
    assert decision.step(1.58 + REFRACTORY_S - 0.01, 0.99, _never_asked) is None
    assert isinstance(decision.step(1.58 + REFRACTORY_S, 0.99, lambda: 0.8), Woke)


def test_an_enrolled_voice_wakes_it_below_the_threshold_and_past_the_verifier() -> None:
    asked: list[float] = []

    def voice(verified: float) -> str | None:
        asked.append(verified)
        return "sam" if verified > 0.1 else None

    decision = StepDecision(0.9, 0.5, enrolled=True)
    assert decision.step(1.0, ENROLLED_FLOOR - 0.01, _never_asked, voice) is None
    assert decision.step(1.08, 0.6, lambda: 0.05, voice) is None  # below: not a near miss
    assert decision.step(1.16, 0.6, lambda: 0.3, voice) == Woke(1.16, 0.6, 0.3, "sam")
    assert asked == [0.05, 0.3]
    # Heard by the heads alone, the enrolled voices are not asked.
    assert decision.step(5.0, 0.95, lambda: 0.9, voice) == Woke(5.0, 0.95, 0.9)
    assert asked == [0.05, 0.3]
    # Without enrolled voices the same step is nothing.
    assert StepDecision(0.9, 0.5).step(1.16, 0.6, _never_asked, voice) is None


def test_the_replays_verify_each_step_with_the_best_of_the_last_few_windows_of_its_clip() -> None:
    """As the detector asks the verifier: the best of the last VERIFY_STEPS windows, which in a
    replay of clips scored end to end never reaches back into the clip before."""
    assert VERIFY_STEPS == 4
    checked = np.array([0.9, 0.1, 0.2, 0.3, 0.4, 0.8, 0.1, 0.0])
    assert verified_over_recent(checked).tolist() == [0.9, 0.9, 0.9, 0.9, 0.4, 0.8, 0.8, 0.8]
    clips = np.array([1, 1, 1, 2, 2, 2, 2, 3])
    assert verified_over_recent(checked, clips).tolist() == [
        0.9, 0.9, 0.9, 0.3, 0.4, 0.8, 0.8, 0.0,
    ]  # fmt: skip
    assert verified_over_recent(np.array([0.2, 0.7])).tolist() == [0.2, 0.7]
    assert verified_over_recent(np.zeros(0)).size == 0

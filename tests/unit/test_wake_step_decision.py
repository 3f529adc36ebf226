"""The wake word's per-step rule, shared by the streaming detector and the replays that count
its wakes (the training's thresholds, the enrolled voices' calibration, the whisper check's
threshold)."""

from __future__ import annotations

import numpy as np

from assistant.audio.wake_word import (
    CHECK_NAME,
    ENROLLED_FLOOR,
    NEAR_MISS_QUIET_S,
    PEAK_STEPS,
    REFRACTORY_S,
    VERIFY_STEPS,
    CheckedDecision,
    NearMiss,
    StepDecision,
    Woke,
    verified_over_recent,
)


def _never_asked() -> float:
    raise AssertionError("the verifier was asked for a step that could not wake")


def _check_never_asked() -> float:
    raise AssertionError("the whisper check was asked for a step it may not wake on")


def _sure() -> float:
    return 0.99


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


def test_the_check_wakes_it_where_the_heads_do_not_at_the_detectors_peak() -> None:
    """A step the detector scores at least the check's floor, that the heads do not wake on
    (a near miss included), wakes Jarvis when the check agrees; the wake waits for the
    detector's peak, at most PEAK_STEPS, and then all is quiet as after the heads' own."""
    decision = CheckedDecision(StepDecision(0.9, 0.5), floor=0.2, threshold=0.95)
    assert decision.step(1.0, 0.1, _never_asked, probability=_check_never_asked) is None
    assert decision.step(1.08, 0.3, _never_asked, probability=lambda: 0.5) is None
    assert not decision.pending
    # The check agrees with a near miss of the heads: it waits for the peak instead.
    assert decision.step(1.16, 0.95, lambda: 0.2, probability=_sure) is None
    assert decision.pending
    assert decision.step(1.24, 0.97, _never_asked, probability=_check_never_asked) is None
    woke = decision.step(1.32, 0.6, _never_asked, probability=_check_never_asked)
    assert woke == Woke(1.24, 0.99, 0.2, by=CHECK_NAME)
    assert not decision.pending
    # Quiet after it: the heads from the step the check agreed on, the check from the wake.
    heads_quiet, check_quiet = 1.16 + REFRACTORY_S, 1.24 + REFRACTORY_S
    assert decision.step(heads_quiet - 0.01, 1.0, _never_asked) is None
    assert (
        decision.step(check_quiet - 0.01, 0.5, _never_asked, probability=_check_never_asked) is None
    )
    assert decision.step(check_quiet, 1.0, lambda: 0.8) == Woke(check_quiet, 1.0, 0.8)


def test_the_checks_wake_follows_a_rising_detector_no_further_than_its_peak_steps() -> None:
    decision = CheckedDecision(StepDecision(0.999, 0.5), floor=0.2, threshold=0.95)
    assert decision.step(1.0, 0.3, lambda: 0.1, probability=_sure) is None
    rising = [decision.step(1.0 + 0.08 * k, 0.3 + 0.1 * k, _never_asked) for k in range(1, 6)]
    assert rising[:PEAK_STEPS] == [None] * PEAK_STEPS
    assert rising[PEAK_STEPS] == Woke(round(1.0 + 0.08 * PEAK_STEPS, 2), 0.99, 0.1, by=CHECK_NAME)


def test_without_a_check_it_is_the_heads_rule_and_the_end_of_a_stream_gives_a_pending_wake() -> (
    None
):
    heads_only = CheckedDecision(StepDecision(0.9, 0.5))
    assert heads_only.step(1.0, 0.95, lambda: 0.2, probability=_check_never_asked) == NearMiss(
        1.0, 0.95, 0.2
    )
    decision = CheckedDecision(StepDecision(0.9, 0.5), floor=0.2, threshold=0.95)
    assert decision.step(1.0, 0.5, lambda: 0.3, probability=_sure) is None
    assert decision.finish() == Woke(1.0, 0.99, 0.3, by=CHECK_NAME)
    assert decision.finish() is None
    # A wake from elsewhere (the companion) quiets the check too.
    decision.woke_until_s = 4.0
    assert decision.step(3.9, 0.5, _never_asked, probability=_check_never_asked) is None


def test_the_check_overrules_the_heads_wake_only_where_it_is_sure_the_phrase_was_not_said() -> None:
    """Below the check's veto the heads' wake is a near miss (the heads quiet after it, as
    after their verifier's); at or above it, or without a veto, the wake stands. An enrolled
    voice's wake is never overruled, and the check is not asked for it."""
    decision = CheckedDecision(StepDecision(0.9, 0.5), floor=0.2, threshold=0.95, veto=0.05)
    overruled = decision.step(1.0, 0.97, lambda: 0.8, probability=lambda: 0.01)
    assert overruled == NearMiss(1.0, 0.97, 0.8, checked=0.01)
    assert isinstance(overruled, NearMiss)
    assert overruled.reason == "near miss rejected by the whisper check"
    assert NearMiss(1.0, 0.97, 0.2).reason == "near miss rejected by the verifier"
    # The heads are quiet after it as after a wake; the check may still hear the phrase.
    assert decision.step(1.08, 0.99, _never_asked, probability=lambda: 0.2) is None
    assert decision.step(1.0 + REFRACTORY_S, 0.97, lambda: 0.8, probability=lambda: 0.05) == (
        Woke(1.0 + REFRACTORY_S, 0.97, 0.8)
    )

    enrolled = CheckedDecision(
        StepDecision(0.9, 0.5, enrolled=True), floor=0.2, threshold=0.95, veto=0.05
    )
    woke = enrolled.step(1.0, 0.6, lambda: 0.3, lambda _: "sam", probability=_check_never_asked)
    assert woke == Woke(1.0, 0.6, 0.3, "sam")

    no_veto = CheckedDecision(StepDecision(0.9, 0.5), floor=0.2, threshold=0.95)
    assert no_veto.step(1.0, 0.97, lambda: 0.8, probability=_check_never_asked) == Woke(
        1.0, 0.97, 0.8
    )
    # Without a check there is no veto, whatever is asked for.
    heads_only = CheckedDecision(StepDecision(0.9, 0.5), veto=0.05)
    assert heads_only.step(1.0, 0.97, lambda: 0.8, probability=_check_never_asked) == Woke(
        1.0, 0.97, 0.8
    )

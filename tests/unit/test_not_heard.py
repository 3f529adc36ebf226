"""What is said when the recognizer fails on speech said to Jarvis, failure after failure."""

from __future__ import annotations

from assistant.not_heard import NotHeardStreak
from assistant.replies import not_heard, still_not_heard


def _said(streak: NotHeardStreak, outcomes: str) -> list[tuple[str | None, bool]]:
    """``outcomes``: ``F`` a failure, ``H`` an utterance heard; what each failure says, and
    whether a follow-up window opens after it."""
    said = []
    for outcome in outcomes:
        if outcome == "H":
            streak.heard()
        else:
            said.append((streak.failed(), streak.follow_up))
    return said


def test_with_a_wake_word_each_failure_is_answered_but_only_the_first_opens_a_window() -> None:
    """Each failure needed the wake word (or the key), so each is answered; a window opened
    after the second would let the echo of the answer be heard as the command."""
    assert _said(NotHeardStreak(always_listening=False), "FFFHF") == [
        (not_heard(), True),
        (still_not_heard(), False),
        (still_not_heard(), False),
        (not_heard(), True),
    ]


def test_listening_all_the_time_it_goes_quiet_after_saying_it_keeps_failing() -> None:
    assert _said(NotHeardStreak(always_listening=True), "FFFFHF") == [
        (not_heard(), True),
        (still_not_heard(), False),
        (None, False),
        (None, False),
        (not_heard(), True),
    ]

"""How an enrolled window must match: the pair that misses the fewest phrases within four times
the goals (what ``high`` sensitivity may cost)."""

from __future__ import annotations

from assistant.audio.wake_enrollment_calibration import Rates, choose_match


def _rates(near_misses: float, per_hour: float, clean: float = 0.1, noisy: float = 0.5) -> Rates:
    return Rates({"clean": clean, "20 dB": 0.2, "10 dB": noisy}, near_misses, per_hour, per_hour)


def test_the_pair_missing_the_fewest_within_four_times_the_goals_is_chosen() -> None:
    without = _rates(0.05, 0.2)
    table = {
        (0.2, 0.75): _rates(0.055, 0.2, clean=0.05),
        (0.4, 0.75): _rates(0.13, 0.2, clean=0.02),  # +8 points of near misses: still within
        (0.4, 0.0): _rates(0.14, 0.2, clean=0.01),  # +9 points: too many
        (0.6, 0.5): _rates(0.06, 2.3, clean=0.01),  # +2.1 false wakes an hour: too many
    }
    assert choose_match(table, without) == (0.4, 0.75)


def test_a_tie_goes_to_fewer_near_misses_then_the_nearer_match_then_the_larger_share() -> None:
    without = _rates(0.05, 0.0)
    assert choose_match({(0.3, 0.5): _rates(0.06, 0.0), (0.4, 0.5): _rates(0.055, 0.0)},
                        without) == (0.4, 0.5)  # fmt: skip
    assert choose_match({(0.3, 0.5): _rates(0.06, 0.0), (0.4, 0.5): _rates(0.06, 0.0)},
                        without) == (0.3, 0.5)  # fmt: skip
    assert choose_match({(0.3, 0.5): _rates(0.06, 0.0), (0.3, 0.75): _rates(0.06, 0.0)},
                        without) == (0.3, 0.75)  # fmt: skip


def test_no_pair_when_every_one_costs_more_than_four_times_the_goals() -> None:
    without = _rates(0.0, 0.0)
    table = {(0.2, 0.0): _rates(0.09, 0.0), (0.3, 0.5): _rates(0.0, 2.5)}
    assert choose_match(table, without) is None

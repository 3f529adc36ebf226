"""How near an enrolled window must be: the largest distance within the bounds."""

from __future__ import annotations

from assistant.audio.wake_enrollment_calibration import Rates, choose_distance


def _rates(near_misses: float, per_hour: float, clean: float = 0.1) -> Rates:
    return Rates({"clean": clean, "20 dB": 0.2, "10 dB": 0.5}, near_misses, per_hour, per_hour)


def test_the_largest_distance_adding_at_most_four_times_the_goals_is_chosen() -> None:
    without = _rates(0.05, 0.2)
    table = {
        0.2: _rates(0.07, 0.2, clean=0.05),
        0.3: _rates(0.13, 0.2, clean=0.03),  # +8 points of near misses: still within
        0.4: _rates(0.14, 0.2, clean=0.02),  # +9 points: too many
        0.5: _rates(0.10, 2.3, clean=0.01),  # +2.1 false wakes an hour: too many
    }
    assert choose_distance(table, without) == 0.3


def test_no_distance_when_even_the_smallest_costs_too_much() -> None:
    without = _rates(0.0, 0.0)
    assert choose_distance({0.2: _rates(0.09, 0.0), 0.3: _rates(0.0, 2.5)}, without) is None

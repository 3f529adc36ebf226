"""``math.eval`` only phrases the result the interpreter computed."""

from __future__ import annotations

import pytest

from assistant.skills.calculator import say_result


@pytest.mark.parametrize(
    ("expression", "result", "spoken"),
    [
        ("12 * 7", 84, "12 times 7 is 84."),
        ("12 times 7", 84.0, "12 times 7 is 84."),
        ("1 / 3", 1 / 3, "1 divided by 3 is 0.333333."),
        ("2 ^ 0.5", 2**0.5, "2 to the power of 0.5 is 1.41421."),
        ("100000 * 100000", 10_000_000_000, "100000 times 100000 is 10,000,000,000."),
    ],
)
def test_result_is_phrased(expression: str, result: float, spoken: str) -> None:
    """Operators become words and the number is formatted for speech."""
    assert say_result({"expression": expression, "result": result}) == spoken


def test_missing_result_is_said_honestly() -> None:
    """Without a usable result (division by zero, say) Jarvis says it couldn't work it out."""
    assert say_result({"expression": "1 / 0", "result": None}) == (
        "I couldn't work out 1 divided by 0."
    )
    assert say_result({"expression": "1 / 0", "result": "nan"}) == (
        "I couldn't work out 1 divided by 0."
    )
    assert say_result({}) == "I couldn't work that out."


def test_a_percentage_is_said_as_percent_not_modulo() -> None:
    """ "15 % of 80" is "15 percent of 80 is 12." (it once said "15 modulo of 80")."""
    assert say_result({"expression": "15 % of 80", "result": 12}) == "15 percent of 80 is 12."


@pytest.mark.parametrize(
    ("slots", "spoken"),
    [
        (
            {"expression": "18 % of 45", "result": 8.1, "total": 53.1},
            "An 18 percent tip on 45 is 8.10; 53.10 in all.",
        ),
        (
            {"expression": "20 % of 60", "result": 12, "total": 72},
            "A 20 percent tip on 60 is 12; 72 in all.",
        ),
    ],
)
def test_a_tip_is_said_as_a_tip_with_the_total(slots: dict[str, object], spoken: str) -> None:
    """With a ``total`` the percentage is a tip: its amount, then the bill plus the tip."""
    assert say_result(slots) == spoken

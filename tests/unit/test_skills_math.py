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

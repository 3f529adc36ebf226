"""How a list is said, the one joiner the edge's and the cloud's replies share."""

from __future__ import annotations

import pytest

from models.wording import join_words, unknown_device_text


@pytest.mark.parametrize(
    ("items", "said"),
    [
        ([], ""),
        (["milk"], "milk"),
        (["milk", "eggs"], "milk and eggs"),
        (["a", "b", "c"], "a, b and c"),
    ],
)
def test_a_list_is_joined_with_commas_and_a_last_and(items: list[str], said: str) -> None:
    """Nothing, one item, two with "and", three with commas and a last "and"."""
    assert join_words(items) == said


def test_a_question_joins_with_or() -> None:
    """A choice is offered with "or" between the last two."""
    assert join_words(["the lamp", "the fan", "the TV"], "or") == "the lamp, the fan or the TV"


def test_an_unknown_device_is_said_with_the_ones_that_exist() -> None:
    """The same sentence for device commands and missions; with no device, no empty list."""
    assert unknown_device_text("garage pi", ["kitchen pi", "office laptop"]) == (
        "I don't know a device called garage pi. Your devices are: kitchen pi and office laptop."
    )
    assert unknown_device_text("garage pi", []) == "I don't know a device called garage pi."

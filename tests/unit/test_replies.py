"""The sentences Jarvis says: durations, numbers, timers, lists, clock and device replies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant import replies


@pytest.mark.parametrize(
    ("seconds", "spoken"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (59.9996, "1 minute"),
        (135, "2 minutes and 15 seconds"),
        (3600, "1 hour"),
        (3725, "1 hour, 2 minutes and 5 seconds"),
        (250.2, "4 minutes and 11 seconds"),
    ],
)
def test_duration_is_spoken_exactly(seconds: float, spoken: str) -> None:
    """A duration reads in hours, minutes and seconds, rounding a partial second up."""
    assert replies.duration(seconds) == spoken


def test_approximate_duration_rounds_for_the_past() -> None:
    """Times in the past are rounded to seconds, minutes, or hours and minutes."""
    assert replies.approximate_duration(40.4) == "40 seconds"
    assert replies.approximate_duration(125) == "2 minutes"
    assert replies.approximate_duration(3 * 3600 + 5 * 60 + 20) == "3 hours and 5 minutes"


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        (84, "84"),
        (84.0, "84"),
        (1234567, "1,234,567"),
        (0.1 + 0.2, "0.3"),
        (2 / 3, "0.666667"),
        (-5, "-5"),
        (1.5e20, "1.5 times 10 to the power of 20"),
    ],
)
def test_numbers_are_formatted_for_speech(value: float, spoken: str) -> None:
    """Whole numbers lose ``.0``, floats keep six significant digits, huge ones get words."""
    assert replies.number(value) == spoken


def test_math_result_speaks_operators() -> None:
    """Symbols in the expression become words and the result is formatted."""
    assert replies.math_result("12 * 7", 84) == "12 times 7 is 84."
    assert replies.math_result("10/4", 2.5) == "10 divided by 4 is 2.5."
    assert replies.math_result("2**10", 1024.0) == "2 to the power of 10 is 1,024."
    assert replies.math_result("12 times 7", 84) == "12 times 7 is 84."


def test_timer_labels_name_unnamed_timers_by_duration() -> None:
    """A named timer uses its name; an unnamed one its duration when that sounds natural."""
    assert replies.timer_label("pasta", 480) == "pasta timer"
    assert replies.timer_label(None, 300.0) == "5 minute timer"
    assert replies.timer_label(None, 7200) == "2 hour timer"
    assert replies.timer_label(None, 90) == "90 second timer"
    assert replies.timer_label(None, 725) == "timer"


def test_timer_sentences_match_the_brief() -> None:
    """The timer sentences read exactly as specified."""
    assert replies.timer_done("pasta") == "Your pasta timer is done."
    assert replies.timer_done(None) == "Your timer is done."
    assert replies.timer_done(None, 300) == "Your 5 minute timer is done."
    assert replies.timer_status("pasta timer", 250, paused=False) == (
        "Your pasta timer has 4 minutes and 10 seconds left."
    )
    assert replies.timer_name_taken("pasta", 180) == (
        "You already have a pasta timer with 3 minutes left."
    )
    assert replies.which_timer(["pasta", "eggs"]) == (
        "You have 2 timers: pasta and eggs. Which one?"
    )
    assert replies.timer_done_while_off("pasta", 480, 121) == (
        "Your pasta timer finished 2 minutes ago, while I was off."
    )


def test_list_and_note_sentences() -> None:
    """Lists and notes read naturally, with the sentence capitalised."""
    assert replies.notes(["buy stamps", "call mom"]) == "You have 2 notes: buy stamps; call mom."
    assert replies.notes([]) == "You have no notes."
    assert replies.list_already_has("milk", "shopping") == "Milk is already on your shopping list."
    assert replies.list_contents("shopping", ["milk", "eggs", "bread"]) == (
        "Your shopping list has 3 items: milk, eggs and bread."
    )
    assert replies.list_contents("shopping", []) == "Your shopping list is empty."


def test_clock_sentences() -> None:
    """Time reads on a 12-hour clock and the date in full, in English whatever the locale."""
    moment = datetime(2026, 11, 29, 15, 5, tzinfo=UTC)
    assert replies.time_now(moment) == "It's 3:05 PM."
    assert replies.time_now(moment.replace(hour=0)) == "It's 12:05 AM."
    assert replies.time_now(moment.replace(hour=12)) == "It's 12:05 PM."
    assert replies.date_today(moment) == "Today is Sunday, November 29, 2026."


def test_device_and_app_sentences() -> None:
    """Missing adapters are said honestly, and the app's own sentences exist."""
    assert replies.cannot_control("volume") == "I can't control the volume on this device."
    assert replies.cannot_control("media") == "I can't control media playback on this device."
    assert replies.cannot_control("keyboard") == "I can't type on this device."
    assert replies.cloud_unreachable() == "The cloud brain is not reachable."
    assert replies.stopped() == "Okay."
    assert replies.nothing_to_repeat()
    assert replies.nothing_to_confirm()

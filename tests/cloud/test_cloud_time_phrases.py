"""Reading spoken times for reminders, and saying times and lateness back."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cloud.time_phrases import late_by, normalize, parse_when, reminder_text, spoken_time

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 3, 10, 14, 5, 30, tzinfo=PARIS)
"""A Tuesday, 2:05:30 PM."""


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("in 10 minutes", NOW + timedelta(minutes=10)),
        ("in 1 second", NOW + timedelta(seconds=1)),
        ("in an hour", NOW + timedelta(hours=1)),
        ("in one hour", NOW + timedelta(hours=1)),
        ("in half an hour", NOW + timedelta(minutes=30)),
        ("in 2 hours and a half", NOW + timedelta(hours=2.5)),
        ("in 3 days", NOW + timedelta(days=3)),
        ("at 6 pm", datetime(2026, 3, 10, 18, 0, tzinfo=PARIS)),
        ("at 6:30 p.m.", datetime(2026, 3, 10, 18, 30, tzinfo=PARIS)),
        ("at 6 30 pm", datetime(2026, 3, 10, 18, 30, tzinfo=PARIS)),
        ("at 9 am", datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)),
        ("at 9", datetime(2026, 3, 10, 21, 0, tzinfo=PARIS)),
        ("at 3", datetime(2026, 3, 10, 15, 0, tzinfo=PARIS)),
        ("at 14:00", datetime(2026, 3, 11, 14, 0, tzinfo=PARIS)),
        ("at noon", datetime(2026, 3, 11, 12, 0, tzinfo=PARIS)),
        ("at midnight", datetime(2026, 3, 11, 0, 0, tzinfo=PARIS)),
        ("tomorrow at 9", datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)),
        ("at 9 tomorrow", datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)),
        ("tomorrow at 7 pm", datetime(2026, 3, 11, 19, 0, tzinfo=PARIS)),
        ("tomorrow", datetime(2026, 3, 11, 9, 0, tzinfo=PARIS)),
        ("tonight at 8", datetime(2026, 3, 10, 20, 0, tzinfo=PARIS)),
    ],
)
def test_parse_when(phrase: str, expected: datetime) -> None:
    """Each spoken time means the next moment a person would expect."""
    assert parse_when(phrase, NOW) == expected


@pytest.mark.parametrize("phrase", ["at 25", "at 13 pm", "at 6:75", "soon", "in many minutes"])
def test_unreadable_times_are_none(phrase: str) -> None:
    """Times that make no sense are not guessed at."""
    assert parse_when(phrase, NOW) is None


def test_number_words_become_digits() -> None:
    """Number words are read as digits, case and trailing punctuation dropped."""
    assert normalize("Remind me in Ten minutes to stretch.") == "remind me in 10 minutes to stretch"


def test_spoken_time_names_the_day_when_not_today() -> None:
    """Today's times are just the clock; tomorrow and later say the day."""
    assert spoken_time(NOW + timedelta(minutes=10), NOW) == "at 2:15 PM"
    assert spoken_time(datetime(2026, 3, 11, 9, 0, tzinfo=PARIS), NOW) == "tomorrow at 9:00 AM"
    later = datetime(2026, 3, 13, 9, 0, tzinfo=PARIS)
    assert spoken_time(later, NOW) == "on Friday, March 13 at 9:00 AM"
    # A late reminder, due just before midnight and confirmed just after it.
    assert spoken_time(NOW - timedelta(days=1), NOW) == "yesterday at 2:05 PM"


def test_reminder_says_how_late_it_is() -> None:
    """A reminder on time is plain; one more than a minute late says by how much."""
    assert reminder_text("stretch", NOW, NOW + timedelta(seconds=30)) == "Reminder: stretch."
    late = reminder_text("stretch", NOW, NOW + timedelta(minutes=12, seconds=5))
    assert late == "Reminder, 12 minutes late: stretch."
    that = reminder_text("that the oven is on", NOW, NOW)
    assert that == "Reminder: the oven is on."
    assert late_by(3 * 3600) == "3 hours"
    assert late_by(3 * 86400) == "3 days"

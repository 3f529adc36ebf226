"""What a satellite hears is acted on only after the wake phrase."""

from __future__ import annotations

import pytest

from assistant.wyoming_satellites import after_wake_phrase


@pytest.mark.parametrize(
    ("heard", "command"),
    [
        ("Hey Jarvis, what time is it?", "what time is it?"),
        ("hey jarvis turn off the kitchen light", "turn off the kitchen light"),
        ("Jarvis. Set a timer for 5 minutes.", "Set a timer for 5 minutes."),
        ("OK Jarvis", ""),
    ],
)
def test_the_command_follows_the_wake_phrase(heard: str, command: str) -> None:
    """The words after "hey jarvis" (or "jarvis", "ok jarvis") are the command."""
    assert after_wake_phrase(heard) == command


@pytest.mark.parametrize(
    "heard", ["what time is it", "hey travis what time is it", "I told jarvis already", ""]
)
def test_speech_without_the_wake_phrase_is_ignored(heard: str) -> None:
    """Speech that does not begin with the wake phrase is not for Jarvis."""
    assert after_wake_phrase(heard) is None

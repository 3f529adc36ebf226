"""Whisper's loops and the words it invents are undone or refused before a transcript becomes a
command."""

from __future__ import annotations

import pytest

from assistant.stt.whisper_recognizer import (
    as_written,
    collapse_repeats,
    repeats_itself,
    without_invented_outros,
)


@pytest.mark.parametrize(
    "text",
    [
        "pause the timer, pause the timer, pause the timer, mute, mute",
        "mute, mute, mute, volume down",
        "the the the the",
        "next song next song next song please",
    ],
)
def test_a_transcript_that_loops_is_not_a_command(text: str) -> None:
    """A word or a few words coming back three times in a row is whisper looping."""
    assert repeats_itself(text)


@pytest.mark.parametrize(
    "text",
    ["set a timer for ten minutes", "what is three times three", "no no", "add one more minute",
     "set the volume to forty", "take a note buy eggs and more eggs"],
)  # fmt: skip
def test_real_commands_do_not_count_as_loops(text: str) -> None:
    """The command set's own phrasings are never mistaken for a loop."""
    assert not repeats_itself(text)


def test_one_command_said_again_and_again_is_that_command() -> None:
    """ "stop stop stop" is a person insisting: it collapses to "stop", it is not dropped."""
    assert collapse_repeats("stop stop stop") == "stop"
    assert collapse_repeats("Stop, stop.") == "Stop"
    assert collapse_repeats("pause the music") == "pause the music"
    assert collapse_repeats("pause the music, pause the") == "pause the music"
    assert collapse_repeats("pause the music, next song") == "pause the music, next song"


@pytest.mark.parametrize(
    ("said_first", "written"),
    [("hey jarvis", "Hey Jarvis,"), ("ok  computer", "Ok Computer,"), ("", None), ("  ", None)],
)
def test_words_said_first_are_written_as_whisper_writes_a_wake_phrase(
    said_first: str, written: str | None
) -> None:
    """The wake phrase becomes the decoder's first words as whisper itself writes a name called
    out before a command; nothing said first, no forced words."""
    assert as_written(said_first) == written


@pytest.mark.parametrize(
    ("heard", "kept"),
    [
        ("Thank you for watching.", ""),
        ("Thank you for watching, I'll see you in the next one.", ""),
        ("Thank you for tuning in.", ""),
        ("Thanks for watching!", ""),
        ("Please subscribe.", ""),
        ("Subtitles by the Amara.org community", ""),
        ("Pause the timer. Thank you for watching.", "Pause the timer."),
        ("Thanks for watching! I’ll see you in the next video.", ""),
    ],
)
def test_a_videos_end_that_whisper_invents_is_not_heard(heard: str, kept: str) -> None:
    """In noise or a room of talkers whisper writes the end of a video it learned from
    subtitles; that is dropped, and what was said beside it is kept."""
    assert without_invented_outros(heard) == kept


@pytest.mark.parametrize(
    "said",
    ["Thank you very much.", "Thank you.", "Bye", "See you next time.", "thanks",
     "add thank you for watching to my notes", "set a timer for ten minutes",
     "is everyone on my facebook list watching the game"],
)  # fmt: skip
def test_what_people_say_to_an_assistant_is_kept(said: str) -> None:
    """Thanks and goodbyes are real; only a whole clause that is a video's end goes."""
    assert without_invented_outros(said) == said

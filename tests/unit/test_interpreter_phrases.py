"""Teaching sentences: the phrase and its commands are found even though normalization drops
the comma and quotes that marked where the phrase ended."""

from __future__ import annotations

import pytest

from assistant.interpreter import interpret
from assistant.interpreter.phrases import commands_in


@pytest.mark.parametrize(
    ("text", "phrase", "actions"),
    [
        (
            "When I say movie time, pause the music and set the volume to 20",
            "movie time",
            "pause the music and set the volume to 20",
        ),
        ('from now on "lights out" means stop', "lights out", "stop"),
        ("whenever I say Good Night then mute", "Good Night", "mute"),
        ("teach you the phrase party mode means max volume", "party mode", "max volume"),
        (
            "when I say groceries add milk and eggs to my shopping list",
            "groceries",
            "add milk and eggs to my shopping list",
        ),
    ],
)
def test_a_teaching_sentence_gives_the_phrase_and_its_commands(
    text: str, phrase: str, actions: str
) -> None:
    """The phrase keeps the speaker's casing; the rest is what it should do."""
    found = interpret(text)
    assert found is not None
    assert found.name == "phrase.teach"
    assert dict(found.slots) == {"phrase": phrase, "actions": actions}


@pytest.mark.parametrize(
    "text",
    [
        "when I say hello to my mother remind me to call her",
        "when I say so you listen",
        "from now on call me captain",
    ],
)
def test_a_teaching_whose_rest_is_no_local_command_stays_with_the_cloud(text: str) -> None:
    """Only commands the edge runs can be taught; anything else is not captured here."""
    assert interpret(text) is None


def test_forgetting_and_listing_are_understood() -> None:
    """ "forget the phrase X" and "what phrases have I taught you" are phrase intents."""
    forget = interpret("forget the phrase Movie Time")
    assert forget is not None
    assert (forget.name, dict(forget.slots)) == ("phrase.forget", {"phrase": "Movie Time"})
    listing = interpret("what phrases have I taught you")
    assert listing is not None
    assert listing.name == "phrase.list"


def test_commands_are_split_on_and_only_where_each_part_is_a_command() -> None:
    """ "add milk and eggs to my list" stays one command; "pause and mute" is two, in order."""
    one = commands_in("add milk and eggs to my shopping list")
    assert one is not None
    assert [i.name for i in one] == ["list.add"]
    two = commands_in("pause the music and then set the volume to 20")
    assert two is not None
    assert [(i.name, dict(i.slots)) for i in two] == [
        ("media.pause", {}),
        ("volume.set", {"level": 20}),
    ]
    assert commands_in("pause the music and call my mother") is None


def test_teaching_and_yes_no_cannot_be_taught_as_actions() -> None:
    """A phrase runs commands; "yes", "say that again" or another teaching mean nothing there."""
    assert commands_in("yes") is None
    assert commands_in("say that again") is None

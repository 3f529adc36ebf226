"""House commands: local only with a Home Assistant, never taken from the cloud otherwise."""

from __future__ import annotations

import pytest

from assistant.interpreter import interpret

HOUSE = frozenset({"kitchen", "ceiling", "counter", "living", "room", "lamp", "bedroom", "fan"})


@pytest.mark.parametrize(
    ("text", "name", "slots"),
    [
        ("turn off the kitchen light", "home.turn_off", {"entity": "kitchen light"}),
        ("turn the kitchen light off", "home.turn_off", {"entity": "kitchen light"}),
        ("switch on the reading lamp", "home.turn_on", {"entity": "reading lamp"}),
        ("kitchen lights off", "home.turn_off", {"entity": "kitchen lights"}),
        ("turn on the fan in the bedroom", "home.turn_on", {"entity": "fan", "area": "bedroom"}),
        ("dim the living room to 30 percent", "home.set_level",
         {"entity": "living room", "level": 30}),
        ("set the kitchen lights to fifty percent", "home.set_level",
         {"entity": "kitchen lights", "level": 50}),
        ("is the garage door open", "home.state", {"entity": "garage door"}),
        ("what's the state of the garage door", "home.state", {"entity": "garage door"}),
        ("open the garage door", "home.turn_on", {"entity": "garage door"}),
        ("close the garage door", "home.turn_off", {"entity": "garage door"}),
        ("turn off the kitchen", "home.turn_off", {"entity": "kitchen"}),
    ],
)  # fmt: skip
def test_house_commands_are_local_with_a_home_assistant(
    text: str, name: str, slots: dict[str, object]
) -> None:
    """With a Home Assistant, house commands become home intents with what was said as slots."""
    found = interpret(text, home=HOUSE)
    assert found is not None, text
    assert (found.name, dict(found.slots)) == (name, slots)


@pytest.mark.parametrize(
    "text",
    [
        "turn off the kitchen light",
        "turn on the lights",
        "is the garage door open",
        "dim the lamp to 20",
    ],
)
def test_without_home_assistant_house_commands_go_to_the_cloud(text: str) -> None:
    """Without a Home Assistant nothing changes: house commands stay the cloud's."""
    assert interpret(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "open spotify",
        "close the window",
        "turn it off",
        "turn on the radio on the laptop",
        "set the thermostat to 20",
        "turn off the tv",
        "is the pool heated",
    ],
)
def test_what_names_nothing_of_the_house_is_not_taken(text: str) -> None:
    """Things that are no kind of house device and no word of this house stay the cloud's."""
    assert interpret(text, home=HOUSE) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [("turn off the sound", "volume.mute"), ("set the volume to 40", "volume.set")],
)
def test_existing_commands_keep_their_meaning_with_a_house(text: str, name: str) -> None:
    """The house comes after every other domain: "turn off the sound" is still mute."""
    found = interpret(text, home=HOUSE)
    assert found is not None
    assert found.name == name

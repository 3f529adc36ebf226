"""Finding what a person means in the house: forgiving with words, never guessing a choice."""

from __future__ import annotations

from assistant.home_assistant import Entity
from assistant.skills._home_names import choose, resolve

HOUSE = [
    Entity("light.kitchen_ceiling_light", "Kitchen ceiling light", "on", "Kitchen"),
    Entity("light.kitchen_counter_light", "Kitchen counter light", "on", "Kitchen"),
    Entity("light.living_room_lamp", "Living room lamp", "on", "Living Room", ("reading lamp",)),
    Entity("fan.bedroom_fan", "Bedroom fan", "off", "Bedroom"),
    Entity("cover.garage_door", "Garage door", "closed", "Garage"),
    Entity("input_boolean.garage_door", "garage_door open", "off"),
]
SWITCHABLE = frozenset({"light", "fan", "cover", "input_boolean"})


def _ids(
    entity: str, area: str | None = None, domains: frozenset[str] | None = SWITCHABLE
) -> set[str]:
    return {e.entity_id for e in resolve(entity, area, HOUSE, domains).entities}


def test_an_exact_name_or_alias_is_one_entity() -> None:
    """A full name or an alias names exactly that entity."""
    assert _ids("kitchen ceiling light") == {"light.kitchen_ceiling_light"}
    assert _ids("reading lamp") == {"light.living_room_lamp"}


def test_a_name_that_fits_two_returns_both() -> None:
    """ "the kitchen light" fits two lights: both are returned, for a question, not a guess."""
    found = resolve("kitchen light", None, HOUSE, SWITCHABLE)
    assert {e.entity_id for e in found.entities} == {
        "light.kitchen_ceiling_light",
        "light.kitchen_counter_light",
    }
    assert not found.every


def test_the_plural_means_every_one() -> None:
    """ "the kitchen lights" means all of them: no question."""
    found = resolve("kitchen lights", None, HOUSE, SWITCHABLE)
    assert len(found.entities) == 2
    assert found.every


def test_a_room_alone_means_what_is_in_it() -> None:
    """ "dim the living room" reaches the lights in the living room."""
    assert _ids("living room", domains=frozenset({"light"})) == {"light.living_room_lamp"}


def test_a_kind_and_an_area_find_the_thing_in_that_room() -> None:
    """ "the fan in the bedroom" is the bedroom's fan."""
    assert _ids("fan", "bedroom") == {"fan.bedroom_fan"}


def test_a_recognizer_near_miss_still_matches() -> None:
    """ "kitchen sealing light" (a recognizer's mishearing) is the ceiling light."""
    assert _ids("kitchen sealing light") == {"light.kitchen_ceiling_light"}


def test_a_real_device_is_preferred_over_a_helper_of_the_same_name() -> None:
    """The garage door cover, not the helper that backs it."""
    assert _ids("garage door", domains=None) == {"cover.garage_door"}


def test_nothing_matches_an_unknown_name() -> None:
    """An unknown thing finds nothing (the skill then says what exists)."""
    assert _ids("christmas tree") == set()


def test_an_answer_picks_one_candidate_by_its_own_words_or_its_place() -> None:
    """ "the ceiling one", "counter", "the second" each pick one of the two kitchen lights."""
    kitchen = [HOUSE[0], HOUSE[1]]
    assert choose("the ceiling one", kitchen) == [HOUSE[0]]
    assert choose("counter", kitchen) == [HOUSE[1]]
    assert choose("the second one", kitchen) == [HOUSE[1]]
    assert choose("both", kitchen) == kitchen


def test_an_answer_that_picks_nothing_picks_nothing() -> None:
    """ "the kitchen one" fits both, "what time is it" neither: no choice is made."""
    kitchen = [HOUSE[0], HOUSE[1]]
    assert choose("the kitchen one", kitchen) == []
    assert choose("what time is it", kitchen) == []

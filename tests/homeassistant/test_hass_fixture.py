"""The Home Assistant the other tests in this ring run against."""

from __future__ import annotations

import aiohttp
import pytest

from assistant import testing_hass
from assistant.testing_hass import House

pytestmark = pytest.mark.slow


async def test_the_house_has_its_lights_fan_and_garage_door(house: House) -> None:
    """Every entity of the test house is there, with a real state."""
    states = await testing_hass.states(house.url, house.token)
    assert set(testing_hass.ENTITIES) <= set(states)
    assert states["cover.garage_door"] in {"open", "closed"}


async def test_the_rooms_and_aliases_are_in_the_registries(house: House) -> None:
    """Entities are placed in their areas with their aliases, as the UI would place them."""
    async with aiohttp.ClientSession() as session:
        entries = await testing_hass.websocket_call(
            session, house.url, house.token, {"type": "config/entity_registry/list"}
        )
    by_id = {entry["entity_id"]: entry for entry in entries}
    assert by_id["light.living_room_lamp"]["area_id"] == "living_room"
    assert by_id["light.kitchen_counter_light"]["area_id"] == "kitchen"
    async with aiohttp.ClientSession() as session:
        extended = await testing_hass.websocket_call(
            session,
            house.url,
            house.token,
            {
                "type": "config/entity_registry/get_entries",
                "entity_ids": ["light.living_room_lamp"],
            },
        )
    assert extended["light.living_room_lamp"]["aliases"] == ["reading lamp"]

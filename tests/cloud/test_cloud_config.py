"""Device settings: the cloud holds them, validates them, and pushes every change."""

from __future__ import annotations

import aiohttp
import pytest
from cloud_helpers import CloudFactory

from cloud.errors import InvalidRequestError
from cloud.store.device_config import parse_settings


async def test_put_config_is_stored_and_pushed(clouds: CloudFactory) -> None:
    """A device changing its settings gets them back and receives a config message."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    url = f"{cloud.url}/v1/devices/{device_id}/config"
    settings = {"timezone": "Europe/Paris", "wake_word": "jarvis", "volume": 40}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        async with session.put(url, json=settings) as response:
            assert response.status == 200
            assert await response.json() == settings
        async with session.get(url) as response:
            assert await response.json() == settings
    pushed = await edge.expect("config")
    assert pushed.body == {"settings": settings}


async def test_admin_config_change_reaches_an_offline_device(clouds: CloudFactory) -> None:
    """A change made by the admin while the device is away is pushed when it connects."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    url = f"{cloud.url}/v1/devices/{device_id}/config"
    async with (
        aiohttp.ClientSession(headers=cloud.admin_headers) as session,
        session.put(url, json={"timezone": "America/New_York"}) as response,
    ):
        assert response.status == 200
    edge, welcome = await clouds.connect(cloud, device_id, token)
    assert welcome.body["config"] == {"timezone": "America/New_York"}
    assert (await edge.expect("config")).body == {"settings": {"timezone": "America/New_York"}}


async def test_invalid_settings_are_refused(clouds: CloudFactory) -> None:
    """Unknown keys, bad values and non-objects get a 400 that names the problem."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    url = f"{cloud.url}/v1/devices/{device_id}/config"
    cases = [
        ({"colour": "blue"}, "colour"),
        ({"volume": 140}, "volume"),
        ({"timezone": "Mars/Olympus"}, "Mars/Olympus"),
        (["timezone"], "object"),
    ]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for body, mentioned in cases:
            async with session.put(url, json=body) as response:
                assert response.status == 400
                error = (await response.json())["error"]
                assert error["code"] == "invalid_request"
                assert mentioned in error["message"]
        async with session.put(url, data=b"{nope") as response:
            assert response.status == 400
        async with session.get(url) as response:
            assert await response.json() == {}


async def test_unknown_routes_answer_json(clouds: CloudFactory) -> None:
    """Even a 404 is the JSON error shape."""
    cloud = await clouds.start()
    async with aiohttp.ClientSession() as session, session.get(f"{cloud.url}/nope") as response:
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


def test_home_assistant_settings_are_kept_and_checked() -> None:
    """A device's Home Assistant URL and token are settings; a URL that is not http(s) is not."""
    settings = parse_settings({"ha_url": "http://homeassistant.local:8123", "ha_token": "t"})
    assert (settings.ha_url, settings.ha_token) == ("http://homeassistant.local:8123", "t")
    with pytest.raises(InvalidRequestError, match="ha_url"):
        parse_settings({"ha_url": "homeassistant.local:8123"})

"""A real Home Assistant, started once per test session on loopback (its venv cached on disk)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import testing_hass
from assistant.testing_hass import House


@pytest.fixture(scope="session")
def hass_venv() -> Path:
    return testing_hass.hass_venv()


@pytest.fixture(scope="session")
def house(hass_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[House]:
    """Home Assistant with the test house, onboarded and furnished (rooms, aliases)."""
    config_dir = tmp_path_factory.mktemp("hass")
    port = testing_hass.free_port()
    testing_hass.write_configuration(config_dir, port)
    process = testing_hass.HassProcess(hass_venv, config_dir, port)

    async def start() -> str:
        await process.start()
        token = await testing_hass.onboard(process.url)
        await testing_hass.furnish(process.url, token)
        return token

    try:
        token = asyncio.run(start())
        yield House(process, token)
    finally:
        asyncio.run(process.stop())

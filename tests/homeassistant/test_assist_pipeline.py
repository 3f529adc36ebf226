"""Home Assistant uses Jarvis's Wyoming server for speech to text in an assist pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistant import testing_hass
from assistant.audio.wav_source import read_wav
from assistant.testing import conversation_for_tests
from assistant.testing_hass import House
from assistant.testing_speech import piper_wav
from assistant.wyoming_edge import EdgeWyoming
from jarvis.settings import load_settings

pytestmark = pytest.mark.slow


@pytest.fixture
async def jarvis_wyoming(tmp_path: Path) -> AsyncIterator[int]:
    """Jarvis's Wyoming server (whisper, piper, its conversation) on a free loopback port."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_WYOMING_URI": "tcp://127.0.0.1:0",
            "JARVIS_STT_ENGINE": "whisper",
            "JARVIS_TTS_ENGINE": "piper",
        }
    )
    async with conversation_for_tests(tmp_path) as (conversation, bus):
        server = await EdgeWyoming.start(settings, conversation.submit, bus)
        try:
            assert server.server.port is not None
            yield server.server.port
        finally:
            await server.close()


async def test_speech_through_our_wyoming_server_turns_the_kitchen_light_off(
    house: House, jarvis_wyoming: int, piper_voice: object, tmp_path: Path
) -> None:
    """Added by Home Assistant's config flow, our server transcribes the pipeline's audio of
    "turn off the kitchen light", and Home Assistant's agent turns the kitchen lights off."""
    for light in ("light.kitchen_ceiling_light", "light.kitchen_counter_light"):
        await testing_hass.call_service(house.url, house.token, "light", "turn_on", entity_id=light)
    await testing_hass.add_wyoming(house.url, house.token, "127.0.0.1", jarvis_wyoming)
    states = await testing_hass.states(house.url, house.token)
    (stt,) = [entity for entity in states if entity.startswith("stt.")]
    pipeline = await testing_hass.create_pipeline(house.url, house.token, stt, "Jarvis")
    wav = piper_wav(piper_voice, "Turn off the kitchen light.", tmp_path / "off.wav")

    events = await testing_hass.run_pipeline(house.url, house.token, pipeline, read_wav(wav))

    by_type = {event["type"]: event.get("data") or {} for event in events}
    assert "error" not in by_type, by_type.get("error")
    transcript = by_type["stt-end"]["stt_output"]["text"]
    assert "kitchen light" in transcript.lower()
    states = await testing_hass.states(house.url, house.token)
    assert states["light.kitchen_ceiling_light"] == "off"
    assert states["light.kitchen_counter_light"] == "off"

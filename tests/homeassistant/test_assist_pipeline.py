"""Home Assistant uses Jarvis's Wyoming server for speech to text and for the wake word in an
assist pipeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from assistant import testing_hass
from assistant.audio import to_pcm
from assistant.audio.wav_source import read_wav
from assistant.testing import conversation_for_tests
from assistant.testing_hass import House
from assistant.testing_room import piper, silence
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


@pytest.fixture
async def our_entities(house: House, jarvis_wyoming: int) -> AsyncIterator[list[str]]:
    """Our server added through Home Assistant's config flow; the entities it made there. The
    entry is removed afterwards (Home Assistant lives for the whole session)."""
    entry = await testing_hass.add_wyoming(house.url, house.token, "127.0.0.1", jarvis_wyoming)
    try:
        yield await testing_hass.entities_of(house.url, house.token, entry)
    finally:
        await testing_hass.remove_config_entry(house.url, house.token, entry)


async def _kitchen_lights_on(house: House) -> None:
    for light in ("light.kitchen_ceiling_light", "light.kitchen_counter_light"):
        await testing_hass.call_service(house.url, house.token, "light", "turn_on", entity_id=light)


async def test_speech_through_our_wyoming_server_turns_the_kitchen_light_off(
    house: House, our_entities: list[str], piper_voice: object, tmp_path: Path
) -> None:
    """Added by Home Assistant's config flow, our server transcribes the pipeline's audio of
    "turn off the kitchen light", and Home Assistant's agent turns the kitchen lights off."""
    await _kitchen_lights_on(house)
    (stt,) = [entity for entity in our_entities if entity.startswith("stt.")]
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


async def test_home_assistant_wakes_on_our_wake_word_then_turns_the_light_off(
    house: House, our_entities: list[str], piper_voice: object
) -> None:
    """Home Assistant lists our wake word as a wake_word entity; a pipeline started at the wake
    word stage hears "hey jarvis" through it (hey_jarvis detected), then "turn off the kitchen
    light" through our speech to text, and the kitchen lights go off."""
    await _kitchen_lights_on(house)
    (wake,) = [entity for entity in our_entities if entity.startswith("wake_word.")]
    (stt,) = [entity for entity in our_entities if entity.startswith("stt.")]
    pipeline = await testing_hass.create_pipeline(
        house.url,
        house.token,
        stt,
        "Jarvis wakes",
        wake_word_entity=wake,
        wake_word_id="hey_jarvis",
    )
    said = [
        silence(0.5),
        piper(piper_voice, "Hey Jarvis.", steady=True),
        silence(1.0),
        piper(piper_voice, "Turn off the kitchen light.", steady=True),
        silence(1.5),
    ]

    events = await testing_hass.run_pipeline(
        house.url, house.token, pipeline, to_pcm(np.concatenate(said)),
        start_stage="wake_word", real_time=True,
    )  # fmt: skip

    by_type = {event["type"]: event.get("data") or {} for event in events}
    assert "error" not in by_type, by_type.get("error")
    assert by_type["wake_word-end"]["wake_word_output"]["wake_word_id"] == "hey_jarvis"
    assert "kitchen light" in by_type["stt-end"]["stt_output"]["text"].lower()
    for light in ("light.kitchen_ceiling_light", "light.kitchen_counter_light"):
        assert await testing_hass.state_becomes(house.url, house.token, light, "off") == "off"

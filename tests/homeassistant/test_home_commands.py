"""Jarvis runs the house through a real Home Assistant: by text, by voice, asking back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from assistant import testing_hass
from assistant.audio.wav_source import read_wav
from assistant.conversation import Conversation
from assistant.skills.home import HomeSkill, config_from
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import conversation_for_tests
from assistant.testing_hass import House
from assistant.testing_speech import piper_wav

pytestmark = pytest.mark.slow

CEILING, COUNTER = "light.kitchen_ceiling_light", "light.kitchen_counter_light"


def _skill(tmp_path: Path, house: House, token: str | None = None) -> HomeSkill:
    config = config_from(house.url, token or house.token)
    return HomeSkill(tmp_path / "home" / "entities.json", default=config)


@pytest.fixture
async def jarvis(tmp_path: Path, house: House) -> AsyncIterator[Conversation]:
    """An edge conversation whose house is the test Home Assistant, all lights on."""
    for light in (CEILING, COUNTER, "light.living_room_lamp"):
        await testing_hass.call_service(house.url, house.token, "light", "turn_on", entity_id=light)
    async with conversation_for_tests(tmp_path, home=_skill(tmp_path, house)) as (conversation, _):
        yield conversation


async def _state(house: House, entity_id: str) -> str:
    return (await testing_hass.states(house.url, house.token))[entity_id]


async def test_a_light_is_turned_off_and_on_by_text(jarvis: Conversation, house: House) -> None:
    """ "turn off the kitchen ceiling light" turns it off in Home Assistant, on the edge."""
    record = await jarvis.submit("turn off the kitchen ceiling light")
    assert (record.intent, record.handled_by) == ("home.turn_off", "edge")
    assert record.reply == "Okay, the kitchen ceiling light is off."
    assert await _state(house, CEILING) == "off"
    assert await _state(house, COUNTER) == "on"
    record = await jarvis.submit("switch the kitchen ceiling light back on")
    assert await _state(house, CEILING) == "on"


async def test_a_light_is_turned_off_by_voice(
    jarvis: Conversation,
    house: House,
    whisper: WhisperRecognizer,
    piper_voice: object,
    tmp_path: Path,
) -> None:
    """Speech of "turn off the kitchen counter light" (piper, heard by whisper) turns it off."""
    wav = piper_wav(piper_voice, "Turn off the kitchen counter light.", tmp_path / "off.wav")
    transcript = await whisper.transcribe(read_wav(wav))
    record = await jarvis.submit(transcript.text)
    assert record.intent == "home.turn_off", transcript.text
    assert await _state(house, COUNTER) == "off"
    assert await _state(house, CEILING) == "on"


async def test_a_state_is_read(jarvis: Conversation, house: House) -> None:
    """ "is the garage door open" reads the cover's state from Home Assistant."""
    await testing_hass.call_service(
        house.url, house.token, "cover", "close_cover", entity_id="cover.garage_door"
    )
    record = await jarvis.submit("is the garage door open")
    assert record.reply == "The garage door is closed."


async def test_an_ambiguous_name_is_asked_back_and_the_answer_completes_it(
    jarvis: Conversation, house: House
) -> None:
    """ "the kitchen light" fits two: Jarvis asks which, changes nothing, and "the counter one"
    turns off only the counter light."""
    question = await jarvis.submit("turn off the kitchen light")
    assert question.reply == "The kitchen ceiling light or the kitchen counter light?"
    assert await _state(house, CEILING) == "on"
    assert await _state(house, COUNTER) == "on"
    answered = await jarvis.submit("the counter one")
    assert answered.intent == "home.turn_off"
    assert answered.reply == "Okay, the kitchen counter light is off."
    assert await _state(house, COUNTER) == "off"
    assert await _state(house, CEILING) == "on"


async def test_the_plural_switches_every_light_of_the_room(
    jarvis: Conversation, house: House
) -> None:
    """ "turn off the kitchen lights" turns off both kitchen lights, without a question."""
    await jarvis.submit("turn off the kitchen lights")
    assert await _state(house, CEILING) == "off"
    assert await _state(house, COUNTER) == "off"


async def test_a_room_is_dimmed_and_a_fan_found_by_its_room(
    jarvis: Conversation, house: House
) -> None:
    """ "dim the living room to 30 percent" dims its lamp; "turn on the fan in the bedroom"."""
    record = await jarvis.submit("dim the living room to 30 percent")
    assert record.reply == "Okay, the living room lamp set to 30 percent."
    level = float(
        (await testing_hass.states(house.url, house.token))["input_number.living_room_lamp_level"]
    )
    assert level == pytest.approx(255 * 0.3, abs=1.5)
    await jarvis.submit("turn on the fan in the bedroom")
    assert await _state(house, "fan.bedroom_fan") == "on"
    await jarvis.submit("turn off the bedroom fan")
    assert await _state(house, "fan.bedroom_fan") == "off"


async def test_an_unknown_thing_is_said_with_what_exists(jarvis: Conversation) -> None:
    """Nothing called "christmas tree lights": the reply says so and names what exists."""
    record = await jarvis.submit("turn on the christmas tree lights")
    assert record.reply is not None
    assert record.reply.startswith("I couldn't find the christmas tree lights. There's the ")
    assert "kitchen ceiling light" in record.reply


async def test_what_jarvis_does_not_understand_goes_to_home_assistants_agent(
    jarvis: Conversation,
) -> None:
    """A house question Jarvis has no template for is answered by Home Assistant's agent."""
    record = await jarvis.submit("how many lights are on")
    assert (record.intent, record.handled_by) == ("home.conversation", "edge")
    assert record.reply


async def test_a_wrong_token_is_a_clear_spoken_and_logged_error(
    tmp_path: Path, house: House
) -> None:
    """A refused token: a sentence saying what to do, a warning in the log, no traceback,
    and the token itself in neither."""
    wrong = "not-a-real-token-0123456789"
    with capture_logs() as logs:
        async with conversation_for_tests(tmp_path, home=_skill(tmp_path, house, wrong)) as (
            conversation,
            _,
        ):
            record = await conversation.submit("turn off the kitchen ceiling light")
    assert record.status == "done"
    assert record.reply is not None
    assert "refused my access token" in record.reply
    assert any(line["event"] == "home.token_refused" for line in logs)
    assert wrong not in repr(logs)
    assert await _state(house, CEILING) == "on"


async def test_it_keeps_working_from_its_cached_house_while_home_assistant_restarts(
    tmp_path: Path, house: House
) -> None:
    """With Home Assistant stopped, an edge still knows the house from its cache (it asks
    which kitchen light) and says honestly that it cannot switch; once Home Assistant is
    back, the same command works at once."""
    async with conversation_for_tests(tmp_path / "a", home=_skill(tmp_path, house)) as (first, _):
        await first.submit("turn on the kitchen ceiling light")
    await house.process.stop()
    try:
        async with conversation_for_tests(tmp_path / "b", home=_skill(tmp_path, house)) as (
            edge,
            _,
        ):
            question = await edge.submit("turn off the kitchen light")
            assert question.reply == "The kitchen ceiling light or the kitchen counter light?"
            down = await edge.submit("the ceiling one")
            assert down.reply == "Home Assistant isn't answering right now; try again in a moment."
            await house.process.start()
            back = await edge.submit("turn off the kitchen ceiling light")
            assert back.reply == "Okay, the kitchen ceiling light is off."
    finally:
        if house.process.process is None:
            await house.process.start()
    assert await _state(house, CEILING) == "off"

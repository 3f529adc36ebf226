"""Repairing a misheard spoken command (``assistant.interpreter.spoken``).

The transcripts are whisper tiny.en's own, from the room benchmark (``bench/speech_room.py``:
piper and espeak-ng commands with three other talkers, pink noise and reverb at 20 and 10 dB).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation import turns
from assistant.conversation.turns import offer_phrase
from assistant.interpreter import interpret
from assistant.interpreter.spoken import CLOSE_ENOUGH, phrase_for, repair
from assistant.skills import Skills
from assistant.understander import APP_INTENTS, Understander
from models import Intent


@pytest.mark.parametrize(
    ("heard", "name", "slots", "said"),
    [
        # The grammar's nearest phrase: misheard words.
        ("Past the music.", "media.pause", {}, "pause the music"),
        ("Present the timer.", "timer.resume", {}, "resume the timer"),
        ("Have two minutes in the timer.", "timer.adjust", {"delta_s": 120},
         "add two minutes to the timer"),
        ("How much battery is plus?", "system.status", {"aspect": "battery"},
         "how much battery is left"),
        # The first clause: whisper's prompt or the other talkers after a comma.
        ("Set the volume to forty, mute, mute.", "volume.set", {"level": 40},
         "set the volume to forty"),
        ("set a timer for ten minutes, set a time for ten seconds, set the volume down.",
         "timer.start", {"duration_s": 600}, "set a timer for ten minutes"),
        # A filler word before the command.
        ("and previous track.", "media.previous", {}, "previous track"),
    ],
)  # fmt: skip
def test_a_misheard_command_is_repaired(
    heard: str, name: str, slots: dict[str, object], said: str
) -> None:
    assert interpret(heard) is None
    repaired = repair(heard)
    assert repaired is not None
    assert (repaired.intent.name, dict(repaired.intent.slots)) == (name, slots)
    assert repaired.said == said
    assert CLOSE_ENOUGH / 100 <= repaired.closeness <= 1.0


@pytest.mark.parametrize(
    "heard",
    [
        # A value is never invented: the nearest phrase is "set a timer for four hours".
        "set a timer for a couple hours",
        # A command word that was heard is never overruled: the nearest is "stop the timer".
        "start the timer",
        "And mute to my shopping list.",
        # A request for the cloud stays one: the nearest is "what's the time in paris".
        "what's the weather in paris next week",
        # Never to a conversational intent: the first clause alone would be a greeting.
        "hello, I'd like a table for two at six tonight",
        "Yes, we can do that.",
        "",
    ],
)
def test_what_is_not_surely_a_command_is_left_alone(heard: str) -> None:
    assert repair(heard) is None


def test_a_near_phrase_is_the_reason_for_each_refusal() -> None:
    """The refusals above are the guards', not distance: without the number and command-word
    guards these transcripts would be taken to the grammar's nearest phrase."""
    from rapidfuzz import fuzz, process

    from assistant.interpreter.spoken import _phrases

    for heard in ("set a timer for a couple hours", "start the timer"):
        match = process.extractOne(heard, list(_phrases()), scorer=fuzz.ratio)
        assert match is not None
        assert match[1] >= CLOSE_ENOUGH


async def test_only_speech_is_repaired() -> None:
    """Typed text is taken as written; a recognizer's transcript may be repaired (templates
    only here: the learned tier's own test covers the model)."""
    understander = Understander(Skills.HANDLED | APP_INTENTS)
    typed = await understander.understand("Past the music.")
    assert typed.intent is None
    heard = await understander.understand("Past the music.", spoken=True)
    assert heard.intent is not None
    assert heard.intent.name == "media.pause"
    assert heard.tier == "spoken"
    assert heard.confidence == pytest.approx(0.897, abs=0.001)
    # An intent this edge does not handle is never the result of a repair.
    narrow = Understander({"timer.start"})
    assert (await narrow.understand("Past the music.", spoken=True)).intent is None


async def test_the_conversation_repairs_what_was_heard(tmp_path: Path) -> None:
    """``submit_spoken`` (the microphone, satellites, the console) repairs; ``submit`` (typed
    text) forwards the same words to the cloud as written. The history keeps what was heard."""
    from assistant.testing import conversation_for_tests

    async with conversation_for_tests(tmp_path) as (conversation, _):
        heard = await conversation.submit_spoken("Have two minutes in the timer.")
        assert (heard.intent, heard.handled_by) == ("timer.adjust", "edge")
        assert heard.slots == {"delta_s": 120}
        assert heard.text == "Have two minutes in the timer."
        typed = await conversation.submit("Have two minutes in the timer.")
        assert (typed.intent, typed.handled_by) == (None, "cloud")


@pytest.mark.parametrize(("intent", "phrase"), [
    (Intent("media.pause", {}), "pause the music"),  # two words or more, not "pause"
    (Intent("timer.start", {"duration_s": 600}), "set a timer for ten minutes"),
    (Intent("volume.change", {"delta": -10}), "volume down"),
    (Intent("time.in_zone", {"place": "Tokyo"}), "what time is it in tokyo"),
    (Intent("timer.start", {"duration_s": 7}), None),  # no phrase says seven seconds
    (Intent("list.add", {"item": "eggs", "list": "shopping"}), None),  # open words
    (Intent("chitchat.thanks", {}), None),  # never asked about
    (Intent("assistant.stop", {}), None),
])  # fmt: skip
def test_the_phrase_a_guess_is_asked_about_with(intent: Intent, phrase: str | None) -> None:
    """ "Did you mean …?" names the guess in the grammar's own words, name and slots exactly,
    and each phrase means what it names."""
    assert phrase_for(intent) == phrase
    if phrase is not None:
        assert interpret(phrase) == intent


def test_the_weather_is_never_asked_about(monkeypatch: pytest.MonkeyPatch) -> None:
    """A yes would reach the cloud as "yes" when the forecast kept here is stale. The grammar
    has no weather phrase today: one is supposed, for every intent."""
    monkeypatch.setattr(turns, "phrase_for", lambda intent: "what's the weather")
    weather = interpret("what's the weather")
    assert weather is not None
    assert offer_phrase(weather) is None
    assert offer_phrase(Intent("time.now", {})) == "what's the weather"

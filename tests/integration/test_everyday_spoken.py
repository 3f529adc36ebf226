"""Every everyday domain by voice: piper speech → whisper tiny.en → the interpreter → the edge's
conversation, which must do the thing (an alarm stored, a value converted), not only name it.

The recognizer, the VAD and the voice are the session's (loaded once, see conftest.py).
"""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from assistant.audio.alarm_tone import alarm_tone
from assistant.audio.endpointing import SileroDetector
from assistant.audio.wav_source import read_wav
from assistant.events import ReplyBus
from assistant.interpreter import interpret
from assistant.stt.listen import hear_recording
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import conversation_for_tests
from assistant.testing_speech import piper_wav
from assistant.voice_loop import VoiceLoop, VoiceOptions
from models import Reply

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# (domain, what is said, intent, slots, a piece of the reply that proves it was done)
SPOKEN: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("alarms", "set an alarm for seven thirty in the morning", "alarm.set", {"time": "07:30"},
     "Alarm set for 7:30 AM"),
    ("time zones", "what time is it in Tokyo", "time.in_zone", {"place": "Tokyo"},
     "In Tokyo it's"),
    ("countdowns", "how many days until Christmas", "date.countdown", {"event": "christmas"},
     "Christmas Day is"),
    ("conversions", "convert five miles to kilometers", "convert.units",
     {"value": 5, "from": "mile", "to": "kilometer"}, "5 miles is 8.05 kilometers."),
    ("dice", "roll two dice", "random.dice", {"count": 2}, "You rolled"),
    ("coin", "flip a coin", "random.coin", {}, "It's "),
    ("spelling", "how do you spell necessary", "spell.word", {"word": "necessary"},
     "N, E, C, E, S, S, A, R, Y."),
    ("jokes", "tell me a joke", "joke.tell", {}, ""),
    ("small talk", "thank you very much", "chitchat.thanks", {}, "You're welcome."),
    ("percentages", "what is fifteen percent of eighty", "math.eval",
     {"expression": "15 % of 80", "result": 12}, "15 percent of 80 is 12."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("domain", "said", "intent", "slots", "done"), SPOKEN, ids=[row[0] for row in SPOKEN]
)
async def test_each_everyday_domain_works_by_voice(
    domain: str,
    said: str,
    intent: str,
    slots: dict[str, Any],
    done: str,
    piper_voice: object,
    whisper: WhisperRecognizer,
    silero: SileroDetector,
    tmp_path: Path,
) -> None:
    """The spoken request is heard, understood with exact slots, and carried out on the edge."""
    wav = piper_wav(piper_voice, said, tmp_path / f"{domain}.wav")
    heard = await hear_recording(read_wav(wav), whisper, silero, interpret)
    assert heard.intent is not None, heard.transcript.text
    assert (heard.intent.name, dict(heard.intent.slots)) == (intent, slots)
    async with conversation_for_tests(tmp_path) as (conversation, _):
        record = await conversation.submit(heard.transcript.text)
        assert record.handled_by == "edge"
        assert record.status == "done"
        assert record.reply is not None
        assert done in record.reply
        if intent == "alarm.set":
            async with aiosqlite.connect(tmp_path / "edge.sqlite3") as db:
                rows = await (await db.execute("SELECT time FROM alarms")).fetchall()
            assert [tuple(row) for row in rows] == [("07:30",)]


async def test_a_ringing_alarm_beeps_then_says_its_label(tmp_path: Path) -> None:
    """The voice loop plays the alarm tone for an ``alarm`` reply, then speaks it (pyttsx3
    into a WAV: there is no sound card here)."""

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        raise AssertionError(f"nothing should be heard, got {text!r}")

    bus, spoken = ReplyBus(), tmp_path / "ring.wav"
    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, options=VoiceOptions(speak_to=spoken),
        on_status=lambda _: None,
    )  # fmt: skip
    try:
        for _ in range(200):
            if bus.subscriber_count:
                break
            await asyncio.sleep(0.01)
        bus.publish(Reply("Gym alarm. It's 6:45 AM.", kind="alarm"))
        speech = voice.speech
        assert speech is not None
        for _ in range(500):
            if speech.spoken:
                break
            await asyncio.sleep(0.02)
        assert (speech.sounds, speech.spoken) == (["alarm"], ["Gym alarm. It's 6:45 AM."])
    finally:
        await voice.close()
    tone = alarm_tone()
    with wave.open(str(spoken), "rb") as out:
        written = out.readframes(out.getnframes())
    assert written.startswith(tone.pcm)  # the tone first, at its own rate
    assert len(written) > len(tone.pcm)

"""faster-whisper on real synthesized speech: the user gets the right intent and slots."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

from assistant.audio.endpointing import SileroDetector
from assistant.audio.wav_source import read_wav
from assistant.interpreter import interpret
from assistant.stt.auto import AutoRecognizer
from assistant.stt.listen import hear_recording
from assistant.stt.whisper_recognizer import WhisperRecognizer, collapse_repeats
from assistant.testing_speech import Recording

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
REQUIRED_RATIO = 0.9


async def _share_understood(
    recordings: list[Recording], whisper: WhisperRecognizer, silero: SileroDetector
) -> tuple[float, list[str]]:
    misses: list[str] = []
    for recording in recordings:
        heard = await hear_recording(read_wav(recording.path), whisper, silero, interpret)
        expected = (recording.utterance.intent, recording.utterance.slots)
        got = (heard.intent.name, dict(heard.intent.slots)) if heard.intent else (None, {})
        if got != expected:
            misses.append(f"{recording.utterance.text!r} → {heard.transcript.text!r} → {got}")
    return 1 - len(misses) / len(recordings), misses


async def test_whisper_understands_synthesized_speech(
    piper_recordings: list[Recording],
    espeak_recordings: list[Recording],
    whisper: WhisperRecognizer,
    silero: SileroDetector,
) -> None:
    """At least 90% of the catalogue, in neural and robotic voices, gets the right intent+slots."""
    recordings = piper_recordings + espeak_recordings
    assert len(piper_recordings) >= 30
    assert len(espeak_recordings) >= 30
    ratio, misses = await _share_understood(recordings, whisper, silero)
    assert ratio >= REQUIRED_RATIO, misses


async def test_auto_without_vosk_uses_whisper(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, silero: SileroDetector
) -> None:
    """With no vosk model for the language, ``auto`` hands the utterance to whisper."""
    auto = AutoRecognizer(None, whisper, lambda text: interpret(text) is not None)
    heard = await hear_recording(read_wav(piper_recordings[0].path), auto, silero, interpret)
    assert heard.transcript.engine == "whisper"
    assert heard.intent is not None
    assert heard.intent.name == piper_recordings[0].utterance.intent


async def test_told_the_wake_phrase_comes_first_whisper_writes_only_the_command(
    whisper: WhisperRecognizer, silero: SileroDetector
) -> None:
    """Said in one breath by a voice whose "hey jarvis" whisper wrote as "John, we should", the
    command comes out alone once whisper is told the phrase opens the utterance — through
    ``auto`` too, which hands the words on to whisper."""
    from assistant.audio import to_pcm
    from assistant.interpreter.spoken import interpret_heard
    from assistant.testing_room import EspeakVoice, espeak

    pcm = to_pcm(espeak("hey jarvis, stop all timers", EspeakVoice("en-gb-x-rp", "f4", 150)))
    auto = AutoRecognizer(None, whisper, lambda text: interpret(text) is not None)
    for recognizer in (whisper, auto):
        heard = await hear_recording(
            pcm, recognizer, silero, interpret_heard, said_first="hey jarvis"
        )
        assert "jarvis" not in heard.transcript.text.lower(), heard.transcript.text
        assert heard.intent is not None, heard.transcript.text
        assert (heard.intent.name, dict(heard.intent.slots)) == ("timer.cancel", {"all": True})


FIRST_WORD_CASES = [
    ("what time is it", ("en-gb", "m1", 175), "time.now"),
    ("stop all timers", ("en-gb", "f3", 175), "timer.cancel"),
    ("add two minutes to the timer", ("en-gb", "m1", 175), "timer.adjust"),
    ("what's the cpu usage", ("en-gb", "m1", 140), "system.status"),
    ("cancel the timer", ("en-us", "f3", 175), "timer.cancel"),
    ("pasta timer for eight minutes", None, "timer.start"),
]
"""Recordings whose first word whisper misheard when it began at the first sample ("one time a
minute.", "Top of all timers.", "Not two minutes …", "watch the CPU usage.", "Ken's on the
timer.", "Host a timer …"); ``None`` is piper's voice, the others espeak-ng's."""


@pytest.mark.parametrize(("text", "voice", "intent"), FIRST_WORD_CASES)
async def test_a_recording_that_begins_on_its_first_word_is_heard_from_that_word(
    text: str,
    voice: tuple[str, str, int] | None,
    intent: str,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    silero: SileroDetector,
) -> None:
    """No silence before the first word or after the last (a clip cut at its speech): the
    trimmed audio gets the silence before it that a microphone would have heard, and whisper
    hears the first word and the command."""
    from assistant.audio import to_pcm
    from assistant.interpreter.spoken import interpret_heard
    from assistant.testing_room import EspeakVoice, espeak

    samples = said(text) if voice is None else espeak(text, EspeakVoice(*voice))
    heard = await hear_recording(to_pcm(samples), whisper, silero, interpret_heard)
    first_word = re.sub(r"[^a-z']", "", heard.transcript.text.split()[0].lower())
    assert first_word == text.split()[0], heard.transcript.text
    assert heard.intent is not None, heard.transcript.text
    assert heard.intent.name == intent, heard.transcript.text


async def test_silence_gives_an_empty_transcript(
    whisper: WhisperRecognizer, silero: SileroDetector
) -> None:
    """A recording without speech yields no text and no intent, rather than a hallucination."""
    heard = await hear_recording(bytes(32000), whisper, silero, interpret)
    assert heard.transcript.text == ""
    assert heard.intent is None


@pytest.mark.parametrize(
    ("decoded", "kept"),
    [
        ("pause the timer, pause the timer,", "pause the timer"),
        ("Yes. Yes!", "Yes"),
        ("Set a timer for 5 minutes.", "Set a timer for 5 minutes."),
        ("stop, wait", "stop, wait"),
    ],
)
def test_whisper_looping_on_one_phrase_is_collapsed(decoded: str, kept: str) -> None:
    """A phrase whisper repeated back to back is kept once; different phrases are left alone."""
    assert collapse_repeats(decoded) == kept

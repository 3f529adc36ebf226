"""The wake word's companion (``assistant.audio.wake_companion``): microWakeWord's real "hey jarvis"
model beside our real heads, on real speech from flite's voices, a family neither was trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.audio import to_pcm
from assistant.audio.endpointing import load_detector
from assistant.audio.wake_companion import NAME, WakeCompanion, companion_for
from assistant.audio.wake_word import REFRACTORY_S, WakeEvent, WakeWordDetector, Woke
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import flite, silence
from assistant.wake_gate import hear_after_wake
from jarvis.settings import load_settings


def spoken(text: str, voice: str, stretch: float = 1.0) -> bytes:
    return to_pcm(np.concatenate([silence(1.0), flite(text, voice, stretch=stretch), silence(1.0)]))


def heard(detector: WakeWordDetector, pcm: bytes) -> list[WakeEvent]:
    """``pcm`` streamed as the edge streams it, in 80 ms pushes, from a fresh start."""
    detector.reset()
    return [event for i in range(0, len(pcm), 2560) for event in detector.push(pcm[i : i + 2560])]


@pytest.fixture(scope="module")
def heads_alone() -> WakeWordDetector:
    return WakeWordDetector.load(companion=False, check=False, slowed=False)


@pytest.fixture(scope="module")
def with_companion() -> WakeWordDetector:
    """The heads and the companion; the whisper check, which hears some of these voices too,
    has tests of its own (``test_wake_check``)."""
    detector = WakeWordDetector.load(check=False)
    assert detector.companion is not None  # pymicro-wakeword is in the edge extra
    return detector


def test_only_the_default_phrase_has_a_companion_and_it_can_be_turned_off(tmp_path: Path) -> None:
    assert companion_for("hey jarvis") is not None
    assert companion_for("Hey Jarvis ") is not None
    assert companion_for("hey computer") is None
    assert companion_for("hey jarvis", wanted=False) is None
    assert WakeWordDetector.load(companion=False).companion is None
    environ = {"JARVIS_DATA_DIR": str(tmp_path)}
    assert load_settings(environ).wake_companion is True
    assert load_settings({**environ, "JARVIS_WAKE_COMPANION": "false"}).wake_companion is False


@pytest.mark.parametrize(("voice", "stretch"), [("awb", 1.0), ("rms", 1.0), ("slt", 1.0)])
def test_a_voice_our_heads_miss_wakes_jarvis_through_the_companion(
    heads_alone: WakeWordDetector, with_companion: WakeWordDetector, voice: str, stretch: float
) -> None:
    pcm = spoken("hey jarvis", voice, stretch)
    assert not any(isinstance(event, Woke) for event in heard(heads_alone, pcm))
    woke = [event for event in heard(with_companion, pcm) if isinstance(event, Woke)]
    assert len(woke) == 1
    assert woke[0].by == NAME
    assert woke[0].score >= with_companion.companion.cutoff  # type: ignore[union-attr]
    assert 1.0 < woke[0].at_s < 2.6  # where the phrase ends, not where the clip does


def test_one_phrase_both_hear_wakes_jarvis_once_by_whichever_heard_it_first(
    heads_alone: WakeWordDetector, with_companion: WakeWordDetector
) -> None:
    """Our heads wake on this phrase, and the companion reaches its cutoff on it a little
    later, for several frames: it stays quiet for ``REFRACTORY_S``, so the phrase wakes Jarvis
    once, by our heads."""
    pcm = spoken("hey jarvis", "kal16")
    companion = WakeCompanion.load()
    assert companion is not None
    companion_heard = companion.push(pcm)
    assert len(companion_heard) > 1, "the companion must hear it for the test to mean anything"
    assert any(isinstance(event, Woke) for event in heard(heads_alone, pcm))
    woke = [event for event in heard(with_companion, pcm) if isinstance(event, Woke)]
    assert len(woke) == 1
    assert woke[0].by is None
    assert woke[0].at_s < companion_heard[0][0]
    assert all(at_s < woke[0].at_s + REFRACTORY_S for at_s, _ in companion_heard)


def test_the_same_phrase_twice_wakes_jarvis_twice(with_companion: WakeWordDetector) -> None:
    """The companion's quiet time ends: a second phrase after a pause wakes Jarvis again."""
    phrase = flite("hey jarvis", "awb")
    pcm = to_pcm(np.concatenate([silence(1.0), phrase, silence(3.0), phrase, silence(1.0)]))
    woke = [event for event in heard(with_companion, pcm) if isinstance(event, Woke)]
    assert [event.by for event in woke] == [NAME, NAME]
    assert woke[1].at_s - woke[0].at_s > REFRACTORY_S


def test_other_speech_does_not_wake_the_companion(with_companion: WakeWordDetector) -> None:
    sentences = [
        "what is the weather like tomorrow",
        "please call my sister after lunch",
        "how many ounces are in a pound",
        "hey, are you coming to dinner tonight",
    ]
    for voice in ("awb", "rms", "slt"):
        pcm = to_pcm(np.concatenate([flite(s, voice) for s in sentences]))
        assert not any(isinstance(event, Woke) for event in heard(with_companion, pcm))


async def test_jarvis_listen_says_the_companion_woke_it(
    with_companion: WakeWordDetector, whisper: WhisperRecognizer
) -> None:
    """``jarvis listen --wake-word --json`` names the companion when it heard the phrase."""
    pcm = spoken("hey jarvis, what time is it", "awb", 0.9)
    listened = await hear_after_wake(pcm, with_companion, whisper, load_detector())
    assert listened["woke_by"] == NAME
    assert 1.0 < listened["woke_at_s"] < 2.6

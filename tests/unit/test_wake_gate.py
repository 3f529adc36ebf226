"""The pieces around the wake word: the phrase left out of commands, the command window, the
chime, and the settings that choose the wake word and privacy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from assistant.app import voice_options
from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, to_pcm
from assistant.audio.endpointing import Endpointer, EnergyDetector
from assistant.audio.wake_word import WakeWordModel, Woke, resolve_model_path
from assistant.errors import ModelNotFoundError
from assistant.wake_gate import (
    PHRASE_ALONE_S,
    AfterWake,
    Wake,
    command_after_wake,
    command_window,
    earcon,
    more_than_the_phrase,
    strip_wake_phrase,
)
from jarvis.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("heard", "command"),
    [
        ("Hey Jarvis, what time is it?", "what time is it?"),
        ("Jarvis. Pause the music.", "Pause the music."),
        ("what time is it", "what time is it"),
        ("Hey, hey Jarvis stop", "stop"),
        ("tell Jarvis's story", "tell Jarvis's story"),
    ],
)
def test_the_wake_phrase_is_not_part_of_the_command(heard: str, command: str) -> None:
    """Leading words of the wake phrase are dropped from what whisper heard; the rest stays."""
    assert strip_wake_phrase(heard, "hey jarvis") == command


@pytest.mark.parametrize(
    ("heard", "command"),
    [
        ("Hey Jarvis, what time is it?", "what time is it?"),
        # The phrase misheard in a noisy room: a short first clause before a command.
        ("Change our list, set a timer for five minutes.", "set a timer for five minutes."),
        ("Ok, jardom busy, resume the music.", "resume the music."),
        # Not dropped: the first clause is too long to be the phrase, or nothing is understood
        # without it, or the whole is understood already.
        (
            "remind me to call mom, set a timer for five minutes",
            "remind me to call mom, set a timer for five minutes",
        ),
        ("Change our list, book me a flight", "Change our list, book me a flight"),
        ("Hey Jarvis, stop, please.", "stop, please."),
    ],
)
def test_a_misheard_wake_phrase_is_not_part_of_the_command(heard: str, command: str) -> None:
    """After the wake word the recognizer hears the phrase too; whisper's words for it are
    dropped, a misheard phrase only where what follows is a command the edge understands."""
    assert command_after_wake(heard, "hey jarvis") == command


def test_a_later_utterance_loses_only_the_phrase_s_words() -> None:
    """After the first utterance (or in a follow-up) the phrase was not just said: a short first
    clause is the person's, not the phrase misheard."""
    heard = "Change our list, set a timer for five minutes."
    assert command_after_wake(heard, "hey jarvis", phrase_heard=False) == heard
    assert command_after_wake("Jarvis, stop", "hey jarvis", phrase_heard=False) == "stop"


async def _frames(count: int) -> AsyncIterator[bytes]:
    for _ in range(count):
        yield bytes(FRAME_BYTES)


async def test_the_command_window_closes_after_its_limit_of_quiet() -> None:
    """With nobody speaking and Jarvis idle, the window lets through ``limit_s`` of audio."""
    window = command_window(
        _frames(500), b"x", limit_s=1.0, in_speech=lambda: False, busy=lambda: False
    )
    passed = [frame async for frame in window]
    assert passed[0] == b"x"
    assert len(passed) - 1 == round(1.0 * SAMPLE_RATE_HZ * 2 / FRAME_BYTES) - 1


async def test_the_command_window_waits_while_jarvis_answers() -> None:
    """Time spent answering or speaking does not count against the follow-up window."""
    window = command_window(
        _frames(500), b"", limit_s=1.0, in_speech=lambda: False, busy=lambda: True
    )
    assert len([frame async for frame in window]) == 500


def test_the_chime_is_short_and_never_clips() -> None:
    """The earcon is a fraction of a second of 16 kHz audio, well below full scale."""
    pcm, rate = earcon()
    samples = np.frombuffer(pcm, dtype="<i2")
    assert rate == SAMPLE_RATE_HZ
    assert 0.1 < samples.size / rate < 0.3
    assert np.abs(samples).max() < 0.5 * 32767


def test_wake_word_settings(tmp_path: Path) -> None:
    """ "hey jarvis" by default, ``none`` for always listening, at normal sensitivity unless
    ``high``; privacy mode is off by default."""
    default = load_settings({"JARVIS_DATA_DIR": str(tmp_path)})
    assert default.wake_phrase == "hey jarvis"
    assert default.edge_only is False
    assert default.follow_up_s == 5.0
    assert default.wake_sensitivity == "normal"
    off = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_WORD": "none"})
    assert off.wake_phrase is None
    high = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_SENSITIVITY": "high"})
    assert high.wake_sensitivity == "high"
    assert voice_options(high).wake_sensitivity == "high"
    strict = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_SENSITIVITY": "strict"})
    assert voice_options(strict).wake_sensitivity == "strict"
    assert voice_options(default).wake_companion is True
    alone = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_COMPANION": "false"})
    assert voice_options(alone).wake_companion is False
    assert voice_options(default).wake_slowed is True
    once = load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_SLOWED": "false"})
    assert voice_options(once).wake_slowed is False
    with pytest.raises(SettingsError, match="JARVIS_WAKE_SENSITIVITY"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_WAKE_SENSITIVITY": "loud"})
    with pytest.raises(SettingsError, match="JARVIS_FOLLOW_UP_S"):
        load_settings({"JARVIS_DATA_DIR": str(tmp_path), "JARVIS_FOLLOW_UP_S": "-1"})


def test_an_unknown_wake_word_fails_saying_how_to_train_one(tmp_path: Path) -> None:
    """A phrase with no bundled model, or a missing .npz, is refused with what to do."""
    with pytest.raises(ModelNotFoundError, match="train one"):
        resolve_model_path("hey computer")
    with pytest.raises(ModelNotFoundError, match="no wake word model"):
        resolve_model_path(str(tmp_path / "missing.npz"))


def test_a_model_trained_before_high_sensitivity_existed_says_to_retrain_it(
    tmp_path: Path,
) -> None:
    """Asked for ``high``, a wake word file without its thresholds is refused with what to do;
    at ``normal`` it still loads."""
    with np.load(resolve_model_path("hey jarvis")) as bundled:
        arrays = {key: bundled[key] for key in bundled.files if key != "sensitive_thresholds"}
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    assert WakeWordModel.load(old).sensitivity == "normal"
    with pytest.raises(ModelNotFoundError, match=r"no high sensitivity.*retrain"):
        WakeWordModel.load(old, "high")


@pytest.mark.parametrize(
    ("said_after_wake_s", "more"),
    [(-0.3, False), (0.0, False), (PHRASE_ALONE_S - 0.05, False), (PHRASE_ALONE_S + 0.05, True),
     (0.8, True)],
)  # fmt: skip
def test_the_phrase_said_alone_is_told_from_a_command_in_the_same_breath(
    said_after_wake_s: float, more: bool
) -> None:
    """The first utterance after waking held more than the wake phrase only when its speech ran
    on past the wake point: said alone, the phrase ends about where the detector woke."""
    wake_point_s = 1.0  # where in the audio handed over with the wake the phrase was heard
    heard = _speech(0.2, wake_point_s + said_after_wake_s) + bytes(2 * SAMPLE_RATE_HZ)
    wake = Wake(Woke(at_s=5.0, score=1.0, verifier_score=1.0), heard[:32000], wake_point_s)
    endpointer = Endpointer(EnergyDetector())
    for start in range(0, len(heard), FRAME_BYTES):
        endpointer.push(heard[start : start + FRAME_BYTES])
    assert not endpointer.in_speech
    assert more_than_the_phrase(wake, endpointer) is more


def test_after_the_phrase_said_alone_the_next_utterance_is_taken_as_said() -> None:
    """The first utterance after waking is told the phrase comes first and loses it; said alone,
    it is not decoded, and the command that follows the pause is heard as it was said."""
    wake_point_s = 1.0
    alone = _speech(0.2, wake_point_s) + bytes(2 * SAMPLE_RATE_HZ)
    wake = Wake(Woke(at_s=5.0, score=1.0, verifier_score=1.0), alone[:32000], wake_point_s)
    endpointer = Endpointer(EnergyDetector())
    after = AfterWake("hey jarvis", wake, endpointer)
    for start in range(0, len(alone), FRAME_BYTES):
        endpointer.push(alone[start : start + FRAME_BYTES])
    assert after.said_first == "hey jarvis"
    assert not after.worth_decoding()
    assert after.command("") == ""
    # The command after the pause: not the first any more, so nothing is stripped but the words
    # of the phrase, and the recognizer is not told the phrase comes first.
    assert after.said_first == ""
    assert after.worth_decoding()
    assert after.command("so, what time is it") == "so, what time is it"


MISHEARD = "Change our list, set a timer for five minutes."


def test_only_the_first_utterance_after_waking_loses_a_misheard_phrase() -> None:
    """Told the phrase comes first, the first utterance loses the clause whisper misheard it as;
    a follow-up (no phrase said) keeps every word."""
    endpointer = Endpointer(EnergyDetector())
    woke = Wake(Woke(at_s=5.0, score=1.0, verifier_score=1.0), b"", 1.0)
    # One breath: whisper, told the phrase comes first, wrote a clause for it in noise.
    assert AfterWake("hey jarvis", woke, endpointer).command(MISHEARD) == (
        "set a timer for five minutes."
    )
    follow_up = AfterWake("hey jarvis", None, endpointer)  # no wake phrase was said
    assert follow_up.said_first == ""
    assert follow_up.worth_decoding()
    assert follow_up.command(MISHEARD) == MISHEARD


def _speech(from_s: float, to_s: float) -> bytes:
    """Silence, then a loud tone from ``from_s`` to ``to_s`` (what an energy detector hears as
    speech)."""
    t = np.arange(round(SAMPLE_RATE_HZ * (to_s - from_s))) / SAMPLE_RATE_HZ
    return bytes(2 * round(SAMPLE_RATE_HZ * from_s)) + to_pcm(0.3 * np.sin(2 * np.pi * 300 * t))

"""The wake word's slowed look (``assistant.audio.wake_slowed``) with the real feature models and
the bundled heads, on espeak-ng's voices said faster than any the heads learned from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.audio import to_pcm
from assistant.audio.openwakeword_features import FeatureModels
from assistant.audio.wake_slowed import FACTOR, FLOOR, NAME, VERIFIER, SlowedLook
from assistant.audio.wake_slowed_calibration import Triple, hear, replay
from assistant.audio.wake_word import (
    WakeEvent,
    WakeWordDetector,
    WakeWordModel,
    Woke,
    bundled_path,
)
from assistant.testing_room import EspeakVoice, espeak, silence
from assistant.wake_gate import first_wake
from jarvis.settings import load_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

FAST = EspeakVoice("en-us", "m3", 235)
"""Says "hey jarvis" faster than the training's voices (130 to 190 wpm): the detector peaks just
under its threshold (found once; espeak-ng is deterministic)."""
NEAR_MISSES = ("hey travis", "hey harvey", "jarvis is a name", "hey service")


@pytest.fixture(scope="module")
def model() -> WakeWordModel:
    return WakeWordModel.load(bundled_path("hey jarvis"))


@pytest.fixture(scope="module")
def features() -> FeatureModels:
    return FeatureModels.load()


def said(text: str, voice: EspeakVoice = FAST) -> np.ndarray:
    return np.concatenate([silence(1.0), espeak(text, voice), silence(1.0)])


def streamed(detector: WakeWordDetector, audio: np.ndarray) -> list[WakeEvent]:
    """``audio`` streamed as the edge streams it, in 80 ms pushes, from a fresh start."""
    detector.reset()
    pcm = to_pcm(audio)
    return [event for i in range(0, len(pcm), 2560) for event in detector.push(pcm[i : i + 2560])]


def woke(events: list[WakeEvent]) -> list[Woke]:
    return [event for event in events if isinstance(event, Woke)]


def test_a_phrase_said_fast_wakes_jarvis_when_heard_again_slowed(
    model: WakeWordModel, features: FeatureModels
) -> None:
    audio = said("hey jarvis, what time is it")
    assert woke(streamed(WakeWordDetector(model, features), audio)) == []
    wakes = woke(
        streamed(WakeWordDetector(model, features, slowed=SlowedLook(model, features)), audio)
    )
    assert len(wakes) == 1
    wake = wakes[0]
    assert wake.by == NAME
    # Slowed, the heads are sure: the detector past its threshold, the verifier past VERIFIER.
    assert wake.score >= model.detector.threshold
    assert wake.verifier_score >= VERIFIER
    # At the detector's peak, where "jarvis" ends and before the command is over.
    phrase_s = espeak("hey jarvis", FAST).size / 16_000
    assert 1.0 + phrase_s - 0.3 <= wake.at_s <= 1.0 + phrase_s + 0.5


def test_the_edge_wakes_on_it_by_default_and_not_when_turned_off(tmp_path: Path) -> None:
    pcm = to_pcm(said("hey jarvis, what time is it"))
    on = WakeWordDetector.load(companion=False, check=False)
    assert on.slowed_name == NAME
    wake = first_wake(on, pcm)
    assert wake is not None
    assert wake.by == NAME
    off = WakeWordDetector.load(companion=False, check=False, slowed=False)
    assert off.slowed is None
    assert off.slowed_name is None
    assert first_wake(off, pcm) is None
    environ = {"JARVIS_DATA_DIR": str(tmp_path)}
    assert load_settings(environ).wake_slowed is True
    assert load_settings({**environ, "JARVIS_WAKE_SLOWED": "false"}).wake_slowed is False


def test_near_misses_said_fast_do_not_wake_it_slowed(
    model: WakeWordModel, features: FeatureModels
) -> None:
    detector = WakeWordDetector(model, features, slowed=SlowedLook(model, features))
    for text in NEAR_MISSES:
        assert woke(streamed(detector, said(text))) == [], text


def test_the_calibration_replays_what_the_streaming_detector_decides(
    model: WakeWordModel, features: FeatureModels
) -> None:
    """The calibration chooses on decisions replayed from each clip's windows: they must be the
    streaming detector's, for the bundled triple and a looser one that looks more often."""
    clips = [
        said("hey jarvis, what time is it"),
        said("hey jarvis, set a timer for five minutes", EspeakVoice("en-us-nyc", "m6", 235)),
        said("hey jarvis", EspeakVoice("en-gb-scotland", "f3", 160)),
        said("hey harvey, pass me the salt"),
        said("the meeting moved to thursday afternoon, hey, did you call the plumber"),
    ]
    for triple in (Triple(FACTOR, FLOOR, VERIFIER), Triple(FACTOR, 0.5, 0.3)):
        look = SlowedLook(model, features, triple.factor, triple.floor, triple.verifier)
        detector = WakeWordDetector(model, features, slowed=look)
        for audio in clips:
            heard = hear(model, features, audio, "phrase", 0, "clean")
            assert replay(model, heard, triple) == len(woke(streamed(detector, audio)))
    # And they do wake it: the first two only slowed.
    assert [
        replay(model, hear(model, features, a, "phrase", 0, "clean"), None) for a in clips[:2]
    ] == [0, 0]

"""Enrolled voices of the house, with the real feature models and the bundled, calibrated heads,
on espeak-ng speech in a voice the heads miss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.audio import Float32Array, to_pcm
from assistant.audio.openwakeword_features import FeatureModels, clip_windows
from assistant.audio.wake_enrollment import (
    UNREADABLE,
    EnrollmentError,
    Voices,
    enroll,
    forget,
    voices,
)
from assistant.audio.wake_enrollment_calibration import enrollment_takes, matched, replay, trace
from assistant.audio.wake_word import (
    ENROLLED_FLOOR,
    Enrolled,
    EnrolledVoices,
    WakeEvent,
    WakeWordDetector,
    WakeWordModel,
    Woke,
    bundled_path,
    enrolled_path,
    load_enrolled,
    read_enrolled,
)
from assistant.errors import ModelNotFoundError
from assistant.testing_room import EspeakVoice, espeak, silence
from assistant.wyoming_wake import SharedWake

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

MISSED = EspeakVoice("en-us", "zac", 140)
"""A voice in none of the training's, the benchmark's or the calibration's lists, whose "hey
jarvis" the heads alone never wake on."""


@pytest.fixture(scope="module")
def features() -> FeatureModels:
    return FeatureModels.load()


@pytest.fixture(scope="module")
def model() -> WakeWordModel:
    return WakeWordModel.load(bundled_path("hey jarvis"))


@pytest.fixture(scope="module")
def takes() -> list[Float32Array]:
    return [espeak(text, voice) for text, voice in enrollment_takes("hey jarvis", MISSED)]


@pytest.fixture(scope="module")
def said() -> dict[str, Float32Array]:
    lines = ("hey jarvis, what time is it", "hey travis, what time is it",
             "what is the weather like tomorrow in paris", "what time is it")  # fmt: skip
    return {line: espeak(line, MISSED) for line in lines}


def _hear(detector: WakeWordDetector, audio: Float32Array) -> list[WakeEvent]:
    detector.reset()
    pcm = to_pcm(np.concatenate([silence(1.0), audio, silence(1.0)]))
    return [
        e for start in range(0, len(pcm), 2560) for e in detector.push(pcm[start : start + 2560])
    ]


def _woke(events: list[WakeEvent]) -> list[Woke]:
    return [event for event in events if isinstance(event, Woke)]


def test_the_bundled_model_is_calibrated_for_enrolled_voices(model: WakeWordModel) -> None:
    assert model.enrollment_distance is not None
    assert 0.0 < model.enrollment_distance < 1.0


def test_an_enrolled_voice_the_heads_miss_wakes_jarvis_and_the_wake_says_whose(
    model: WakeWordModel,
    features: FeatureModels,
    takes: list[Float32Array],
    said: dict[str, Float32Array],
    tmp_path: Path,
) -> None:
    phrase = said["hey jarvis, what time is it"]
    assert _woke(_hear(WakeWordDetector(model, features), phrase)) == []
    assert enroll(model, features, takes, "sam", tmp_path).voices == 1
    detector = WakeWordDetector.load("hey jarvis", "normal", tmp_path)
    assert detector.enrolled is not None
    assert set(detector.enrolled.names) == {"sam"}
    woke = _woke(_hear(detector, phrase))
    assert [wake.voice for wake in woke] == ["sam"]
    assert 1.0 < woke[0].at_s < 1.0 + phrase.size / 16_000
    # Their own everyday speech, and the command alone, still do not wake it.
    for line in ("what is the weather like tomorrow in paris", "what time is it"):
        assert _woke(_hear(detector, said[line])) == [], line
    # The file keeps features, never audio: a few windows per take.
    kept = np.load(enrolled_path(tmp_path, "hey jarvis"))
    assert kept["windows"].shape == (9, 16, 96)
    assert enrolled_path(tmp_path, "hey jarvis").stat().st_mode & 0o077 == 0


def test_the_enrolled_path_needs_the_detector_floor_a_near_window_and_the_verifier(
    model: WakeWordModel, features: FeatureModels, takes: list[Float32Array]
) -> None:
    """One step of each, given a window and a score (the streaming path is tested above)."""
    assert model.enrollment_distance is not None
    assert model.enrollment_verifier_share > 0
    windows = clip_windows(features, np.concatenate([silence(0.5), takes[0], silence(0.5)]))
    best = int(np.argmax(model.detector.scores(windows)))
    phrase = windows[max(0, best - 3) : best + 1]
    verified = float(model.verifier.scores(phrase).max())
    enrolled = Enrolled(phrase[-1:], ("sam",), np.array([verified], np.float32))
    detector = WakeWordDetector(model, features, EnrolledVoices.of(model, enrolled))

    def step(window_index: int, score: float, end_s: float) -> object:
        detector._recent = list(phrase[:-1])  # the verifier sees the phrase's own last steps
        return detector._step(windows[window_index], score, end_s)

    assert step(best, ENROLLED_FLOOR - 0.01, 5.0) is None
    woke = step(best, ENROLLED_FLOOR, 6.0)
    assert isinstance(woke, Woke)
    assert woke.voice == "sam"
    # A window far from every enrolled one: only the heads decide (nothing below their threshold).
    assert enrolled.windows.shape == (1, 16, 96)
    far = windows[0]
    assert EnrolledVoices.of(model, enrolled).distances(far[np.newaxis])[0, 0] > 0.6
    assert detector._step(far, ENROLLED_FLOOR, 9.0) is None
    # Near enough, but the verifier doubts it more than the share allows: a near miss's case.
    doubted = Enrolled(
        phrase[-1:], ("sam",), np.array([2.0 / model.enrollment_verifier_share], np.float32)
    )
    strict = WakeWordDetector(model, features, EnrolledVoices.of(model, doubted))
    strict._recent = list(phrase[:-1])
    assert strict._step(windows[best], ENROLLED_FLOOR, 12.0) is None


def test_a_take_that_is_not_the_phrase_is_refused_and_nothing_is_lost(
    model: WakeWordModel,
    features: FeatureModels,
    takes: list[Float32Array],
    said: dict[str, Float32Array],
    tmp_path: Path,
) -> None:
    enroll(model, features, takes, "sam", tmp_path)
    with pytest.raises(EnrollmentError, match="take 3: that did not sound like 'hey jarvis'"):
        enroll(model, features, [*takes[:2], said["what time is it"]], "kim", tmp_path)
    with pytest.raises(EnrollmentError, match="give 3 to 8 takes"):
        enroll(model, features, takes[:2], "kim", tmp_path)
    with pytest.raises(EnrollmentError, match=r"take 1: the take is 7\.0 s long"):
        enroll(model, features, [silence(7.0), *takes], "kim", tmp_path)
    with pytest.raises(EnrollmentError, match="give the voice a name"):
        enroll(model, features, takes, "  ", tmp_path)
    assert voices(model, tmp_path).windows == {"sam": 9}


def test_enrolling_again_replaces_a_voice_and_forgetting_removes_it(
    model: WakeWordModel, features: FeatureModels, takes: list[Float32Array], tmp_path: Path
) -> None:
    assert forget(model, tmp_path) == []
    enroll(model, features, takes, "sam", tmp_path)
    enroll(model, features, [*takes, takes[0]], "sam", tmp_path)
    assert voices(model, tmp_path).windows == {"sam": 12}
    assert enroll(model, features, takes, "kim", tmp_path).voices == 2
    assert voices(model, tmp_path).windows == {"kim": 9, "sam": 12}
    assert forget(model, tmp_path, "nobody") == []
    assert forget(model, tmp_path, "sam") == ["sam"]
    assert voices(model, tmp_path).windows == {"kim": 9}
    assert forget(model, tmp_path) == ["kim"]
    assert not enrolled_path(tmp_path, "hey jarvis").exists()


def test_a_model_never_calibrated_refuses_enrollment_and_ignores_enrolled_voices(
    model: WakeWordModel, features: FeatureModels, takes: list[Float32Array], tmp_path: Path
) -> None:
    enroll(model, features, takes, "sam", tmp_path)
    with np.load(model.path) as data:
        arrays = {k: data[k] for k in data.files if not k.startswith("enrollment_")}
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    uncalibrated = WakeWordModel.load(old)
    assert uncalibrated.enrollment_distance is None
    with pytest.raises(ModelNotFoundError, match="has no calibrated match for enrolled voices"):
        enroll(uncalibrated, features, takes, "kim", tmp_path)
    assert load_enrolled(uncalibrated, tmp_path) is None
    ignored = WakeWordDetector.load(str(old), "normal", tmp_path).enrolled_ignored
    assert ignored is not None
    assert "no calibrated match for enrolled voices" in ignored
    assert voices(model, tmp_path).windows == {"sam": 9}


def test_a_damaged_voices_file_costs_nobody_the_wake_word_and_only_forgetting_all_clears_it(
    model: WakeWordModel, features: FeatureModels, takes: list[Float32Array], tmp_path: Path
) -> None:
    path = enrolled_path(tmp_path, "hey jarvis")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a numpy file")
    # The wake word still wakes for everyone, as if nobody had enrolled (the log says why).
    detector = WakeWordDetector.load("hey jarvis", "normal", tmp_path)
    assert detector.enrolled is None
    assert detector.enrolled_ignored is not None
    assert "cannot read the enrolled voices" in detector.enrolled_ignored
    with pytest.raises(ModelNotFoundError, match="jarvis wake forget"):
        voices(model, tmp_path)
    with pytest.raises(ModelNotFoundError, match="jarvis wake forget"):
        enroll(model, features, takes, "sam", tmp_path)
    with pytest.raises(ModelNotFoundError):
        forget(model, tmp_path, "sam")
    assert forget(model, tmp_path) == [UNREADABLE]
    assert not path.exists()
    assert enroll(model, features, takes, "sam", tmp_path).voices == 1


def _retrained(model: WakeWordModel, tmp_path: Path) -> WakeWordModel:
    """The same model with one verifier weight changed, as a retrained wake word would be."""
    with np.load(model.path) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["verifier_b2"] = arrays["verifier_b2"] + np.float32(0.5)
    path = tmp_path / "retrained.npz"
    np.savez(path, **arrays)
    return WakeWordModel.load(path)


def test_voices_enrolled_before_the_wake_word_was_retrained_no_longer_count(
    model: WakeWordModel,
    features: FeatureModels,
    takes: list[Float32Array],
    said: dict[str, Float32Array],
    tmp_path: Path,
) -> None:
    """Their takes' verifier scores came from the old verifier: the new one must not be held to
    them. Nobody's voice is used until they enroll again, and enrolling replaces the stale ones."""
    enroll(model, features, takes, "sam", tmp_path)
    enroll(model, features, takes, "kim", tmp_path)
    assert load_enrolled(model, tmp_path) is not None
    assert not voices(model, tmp_path).stale
    # Another sensitivity is the same verifier: its thresholds alone differ.
    assert model.verifier.digest == WakeWordModel.load(model.path, "high").verifier.digest
    retrained = _retrained(model, tmp_path)
    assert retrained.verifier.digest != model.verifier.digest
    assert load_enrolled(retrained, tmp_path) is None
    detector = WakeWordDetector.load(str(retrained.path), "normal", tmp_path)
    assert detector.enrolled is None
    assert detector.enrolled_ignored is not None
    assert "retrained and no longer count" in detector.enrolled_ignored
    assert WakeWordDetector.load("hey jarvis", "normal", tmp_path).enrolled_ignored is None
    listed = voices(retrained, tmp_path)
    assert listed.stale
    assert listed.windows == {"kim": 9, "sam": 9}
    done = enroll(retrained, features, takes, "sam", tmp_path)
    assert (done.voices, done.stale) == (1, ("kim",))
    assert voices(retrained, tmp_path) == Voices({"sam": 9})
    enrolled = load_enrolled(retrained, tmp_path)
    assert enrolled is not None
    assert enrolled.names == ("sam",) * 9
    # The old model now finds the new enrollment stale in turn.
    assert load_enrolled(model, tmp_path) is None


def test_a_voices_file_from_before_the_verifier_was_recorded_is_taken_on_trust(
    model: WakeWordModel, features: FeatureModels, takes: list[Float32Array], tmp_path: Path
) -> None:
    enroll(model, features, takes, "sam", tmp_path)
    path = enrolled_path(tmp_path, "hey jarvis")
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files if k != "verifier"}
    np.savez(path, **arrays)
    assert load_enrolled(_retrained(model, tmp_path), tmp_path) is not None
    assert enroll(model, features, takes, "kim", tmp_path).voices == 2
    assert read_enrolled(path).verifier == model.verifier.digest  # type: ignore[union-attr]


def test_the_calibrations_replay_decides_as_the_streaming_detector(
    model: WakeWordModel,
    features: FeatureModels,
    takes: list[Float32Array],
    said: dict[str, Float32Array],
    tmp_path: Path,
) -> None:
    """The calibration and the benchmark count wakes by replaying a clip's steps: the count must
    be the streaming detector's, with and without enrolled voices."""
    enroll(model, features, takes, "sam", tmp_path)
    enrolled = load_enrolled(model, tmp_path)
    assert enrolled is not None
    pause = silence(0.7)
    stream = np.concatenate(
        [silence(1.0), said["hey jarvis, what time is it"], pause,
         said["hey travis, what time is it"], pause, takes[2], silence(2.5), takes[0], pause,
         said["what time is it"], silence(1.0)]
    )  # fmt: skip
    clip = trace(model, features, stream)
    near = matched(enrolled, clip)
    for detector, within in (
        (WakeWordDetector(model, features, enrolled), near),
        (WakeWordDetector(model, features), np.zeros_like(near)),
    ):
        pcm = to_pcm(stream)
        events = [e for i in range(0, len(pcm), 2560) for e in detector.push(pcm[i : i + 2560])]
        assert replay(model, clip, within) == len(_woke(events))
    assert replay(model, clip, near) >= 2


async def test_wyoming_satellites_and_clients_share_the_enrolled_voices(
    model: WakeWordModel,
    features: FeatureModels,
    takes: list[Float32Array],
    said: dict[str, Float32Array],
    tmp_path: Path,
) -> None:
    """The Wyoming wake server (Home Assistant, satellites) wakes for the house's voices too."""
    enroll(model, features, takes, "sam", tmp_path)
    shared = await SharedWake.load("hey jarvis", "normal", tmp_path)
    detector = await shared.detector()
    assert [w.voice for w in _woke(_hear(detector, said["hey jarvis, what time is it"]))] == ["sam"]
    nobody = await SharedWake.load("hey jarvis", "normal", tmp_path / "elsewhere")
    assert (await nobody.detector()).enrolled is None

"""The wake word bench's detectors (``bench/wake_word_references.py``): ours and the two published
"hey jarvis" models (ours also at high sensitivity, with its slowed look, and with microWakeWord's
detector beside it as the edge runs it), heard through the same streaming path the bench measures
them by, on piper's neural voice (the kind of voice all three were trained with), and on a fast
espeak-ng voice for the slowed look."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.wake_check import CheckHeads, check_path
from assistant.testing_room import EspeakVoice, espeak, piper, silence
from models.settings import WakeSensitivity

# Appended, not prepended: bench/cloud.py must not hide the ``cloud`` package from other tests.
sys.path.append(str(Path(__file__).resolve().parents[2] / "bench"))

import wake_word as bench
import wake_word_references as references

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def phrase(piper_voice: object) -> np.ndarray:
    said = piper(piper_voice, "hey jarvis, what time is it", steady=True)
    return np.concatenate([silence(1.0), said, silence(1.0)])


@pytest.mark.parametrize(
    "name",
    [
        references.OURS,
        references.OURS_HIGH,
        references.OURS_WITH_COMPANION,
        *references.REFERENCES,
    ],
)
def test_each_detector_wakes_once_on_the_phrase_and_never_on_silence(
    name: str, phrase: np.ndarray
) -> None:
    detector = references.load(name)
    woke, scores = bench.hear(detector, phrase)
    assert woke == 1
    # One score per step of the audio heard, and the peak is what woke it.
    assert abs(scores.size * references.step_s(name) - phrase.size / 16_000) < 0.2
    assert scores.max() >= 0.5
    # A reset forgets the phrase: the same detector, silence only.
    quiet_woke, quiet_scores = bench.hear(detector, silence(3.0))
    assert quiet_woke == 0
    assert quiet_scores.max(initial=0.0) < 0.5
    assert detector.cpu_s > 0


def test_the_same_rate_threshold_is_the_lowest_that_keeps_to_the_wakes_allowed() -> None:
    step_s = references.step_s(references.OURS)
    scores = np.zeros(200)
    scores[[10, 12, 60, 120]] = [0.9, 0.95, 0.8, 0.7]  # steps 10 and 12 are one wake
    assert [references.crossings(scores, t, step_s) for t in (0.7, 0.8, 0.9, 0.95)] == [3, 2, 1, 1]
    assert bench.threshold_for(scores, 0, step_s) == np.nextafter(0.95, 1.0)
    assert bench.threshold_for(scores, 1, step_s) == 0.9
    assert bench.threshold_for(scores, 2, step_s) == 0.8
    assert bench.threshold_for(scores, 3, step_s) == 0.7
    # Every step crosses 0: one wake per refractory time (2 s of 80 ms steps).
    assert bench.threshold_for(scores, 8, step_s) == 0.0


def test_ours_at_high_sensitivity_is_left_out_for_a_model_trained_before_it(
    tmp_path: Path,
) -> None:
    """The bundled model stores its high-sensitivity thresholds; a file without them (trained
    before they existed) is still benched, at normal only, instead of failing the run."""
    bundled = references.resolve_model_path("hey jarvis")
    assert references.has_high_sensitivity(str(bundled))
    with np.load(bundled) as arrays:
        kept = {key: arrays[key] for key in arrays.files if key != "sensitive_thresholds"}
    np.savez(tmp_path / "before.npz", **kept)
    assert not references.has_high_sensitivity(str(tmp_path / "before.npz"))


def test_the_checks_veto_overrules_the_heads_in_the_wakes_and_in_the_scores(
    tmp_path: Path, phrase: np.ndarray
) -> None:
    """The edge at strict sensitivity, whose check's veto overrules the heads' wake where the
    check is not sure enough: the detector does not wake, and the same-rate rows' scores are 0
    there too (a lower threshold does not bring the overruled wake back). The edge's default
    (normal) has no veto."""
    bundled = references.resolve_model_path("hey jarvis")
    heads = CheckHeads.load(check_path(bundled))
    shutil.copy(bundled, tmp_path / "hey_jarvis.npz")

    def hear_with(veto: float, sensitivity: WakeSensitivity = "strict") -> tuple[int, np.ndarray]:
        # The check itself never wakes it here (thresholds above 1): only the heads may. As the
        # strict column, without the companion (microWakeWord hears piper's voice too).
        dataclasses.replace(heads, threshold=1.01, strict_threshold=1.01, veto=veto).save(
            check_path(tmp_path / "hey_jarvis.npz"), "hey jarvis"
        )
        detector = references.Ours(
            str(tmp_path / "hey_jarvis.npz"), sensitivity, companion=False, check=True
        )
        return bench.hear(detector, phrase)

    woke, scores = hear_with(0.0)
    assert woke == 1
    assert scores.max() >= 0.5
    assert not references.has_veto(str(tmp_path / "hey_jarvis.npz"))
    woke, scores = hear_with(1.01)
    assert woke == 0
    assert scores.max(initial=0.0) < heads.floor
    assert references.has_veto(str(tmp_path / "hey_jarvis.npz"))
    # At normal sensitivity the same file's veto is not used.
    woke, scores = hear_with(1.01, "normal")
    assert woke == 1
    assert scores.max() >= 0.5


def test_the_misses_are_told_by_the_speed_they_were_said_at() -> None:
    """The bench's utterances go round the held-out voices; its table's rows by speed count
    each speed's utterances apart."""
    speeds = [bench.wake_voice(i).speed_wpm for i in range(240)]
    assert sorted(set(speeds)) == [120, 145, 175, 205]
    missed = bench.missed_by_speed([speed != 205 for speed in speeds])
    assert missed == {120: 0.0, 145: 0.0, 175: 0.0, 205: 1.0}
    half = bench.missed_by_speed([i % 8 < 4 for i in range(240)])
    assert set(half.values()) == {0.5}


def test_the_slowed_column_wakes_on_a_fast_phrase_the_heads_miss_and_scores_it() -> None:
    """A phrase said faster than the training's voices: the heads alone stay asleep; with their
    slowed look (``wake_slowed``) it wakes once, and the same-rate rows score that step 1 (a
    threshold moves the heads alone, as for the check's wakes)."""
    fast = np.concatenate(
        [silence(1.0), espeak("hey jarvis, what time is it", EspeakVoice("en-us", "m3", 235)),
         silence(1.0)]
    )  # fmt: skip
    woke, scores = bench.hear(references.load(references.OURS), fast)
    assert woke == 0
    assert scores.max(initial=0.0) < 0.995
    woke, scores = bench.hear(references.load(references.OURS_SLOWED), fast)
    assert woke == 1
    assert scores.max() == 1.0


def test_every_column_is_printed_apart_however_long_its_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ "the edge, strict" is longer than the other columns: its name and figures still stand
    apart from the column before them."""
    rows = ("false rejects, clean", "false rejects, 20 dB", "false rejects, 10 dB",
            "near misses that wake it")  # fmt: skip
    names = (references.OURS, references.OURS_AS_THE_EDGE, references.OURS_STRICT)
    every = {name: dict.fromkeys(rows, 0.5) for name in names}
    every[references.OURS] |= {"utterances": 120, "near miss utterances": 60}
    bench.print_family("flite", every)
    header, *lines = capsys.readouterr().out.strip().splitlines()[1:]
    assert [name.strip() for name in header.strip().split("  ") if name.strip()] == list(names)
    assert all(line.split()[-3:] == ["50.0%"] * 3 for line in lines)

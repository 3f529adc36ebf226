"""The whisper check's file and when it is used (``assistant.audio.wake_check``); what it hears
is tested with the real models in ``tests/integration/test_wake_check.py``."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from structlog.testing import capture_logs

from assistant.audio.wake_check import CheckHeads, WakeCheck, check_path
from assistant.audio.wake_word import MlpHead, WakeWordDetector, WakeWordModel, bundled_path
from jarvis.settings import load_settings


def _heads(seed: int, digest: str = "0123456789abcdef") -> CheckHeads:
    rng = np.random.default_rng(seed)
    width = 20 * 384
    mean = rng.standard_normal(width).astype(np.float32)
    scale = rng.uniform(0.5, 2.0, width).astype(np.float32)
    members = tuple(
        MlpHead(
            mean=mean,
            scale=scale,
            hidden_weights=(rng.standard_normal((width, 8)) * 0.01).astype(np.float32),
            hidden_bias=rng.standard_normal(8).astype(np.float32),
            out_weights=rng.standard_normal((8, 1)).astype(np.float32),
            out_bias=float(rng.standard_normal()),
            threshold=0.9,
        )
        for _ in range(3)
    )
    return CheckHeads(members, floor=0.2, threshold=0.9, detector_digest=digest)


def test_the_check_lives_beside_its_wake_word() -> None:
    assert check_path(Path("/m/hey_jarvis.npz")) == Path("/m/hey_jarvis.check.npz")
    assert check_path(Path("computer.npz")) == Path("computer.check.npz")


def test_the_heads_survive_their_file(tmp_path: Path) -> None:
    """Saved and read back, the members score alike (their hidden weights are kept in half
    precision, so within a small tolerance) and the thresholds and digest are kept."""
    heads = _heads(3)
    heads.save(tmp_path / "x.check.npz", "hey jarvis")
    loaded = CheckHeads.load(tmp_path / "x.check.npz")
    features = np.random.default_rng(4).standard_normal((5, 20, 384)).astype(np.float32)
    assert len(loaded.members) == 3
    assert (loaded.floor, loaded.threshold, loaded.veto) == pytest.approx((0.2, 0.9, 0.0))
    dataclasses.replace(heads, veto=0.05, strict_threshold=0.8).save(
        tmp_path / "v.check.npz", "hey jarvis"
    )
    strict = CheckHeads.load(tmp_path / "v.check.npz")
    assert strict.operating(strict=True) == pytest.approx((0.8, 0.05))
    assert strict.operating(strict=False) == pytest.approx((0.9, 0.0))
    assert loaded.detector_digest == heads.detector_digest
    np.testing.assert_allclose(loaded.scores(features), heads.scores(features), atol=2e-3)
    assert np.all((heads.scores(features) >= 0) & (heads.scores(features) <= 1))


def test_a_check_written_before_the_veto_never_overrules_the_heads(tmp_path: Path) -> None:
    _heads(3).save(tmp_path / "x.check.npz", "hey jarvis")
    with np.load(tmp_path / "x.check.npz") as data:
        arrays = {key: data[key] for key in data.files if key not in ("veto", "strict_threshold")}
    np.savez_compressed(tmp_path / "old.check.npz", **arrays)
    old = CheckHeads.load(tmp_path / "old.check.npz")
    assert old.operating(strict=True) == pytest.approx((0.9, 0.0))


def test_the_bundled_check_overrules_the_heads_only_at_strict_sensitivity() -> None:
    """What the dev rule chose (``wake_check_training.choose``): no veto at normal or high
    sensitivity; at strict, a veto far below the check's threshold, so only a wake the check
    finds unlike the phrase is overruled."""
    model = WakeWordModel.load(bundled_path("hey jarvis"))
    heads = CheckHeads.load(check_path(model.path))
    assert heads.operating(strict=False) == (heads.threshold, 0.0)
    threshold, veto = heads.operating(strict=True)
    assert 0.0 < veto < 0.5 * threshold
    assert threshold <= heads.threshold


def test_a_model_without_a_check_or_with_it_turned_off_has_none(tmp_path: Path) -> None:
    copy = tmp_path / "hey_jarvis.npz"
    shutil.copy(bundled_path("hey jarvis"), copy)
    model = WakeWordModel.load(copy)
    assert WakeCheck.for_model(model) is None  # no hey_jarvis.check.npz beside the copy
    _heads(5, model.detector.digest).save(check_path(copy), "hey jarvis")
    assert WakeCheck.for_model(model, enabled=False) is None


def test_a_check_trained_beside_another_detector_is_not_used(tmp_path: Path) -> None:
    """After the wake word is retrained, the check's scores no longer follow its detector's
    candidates: it is left out (and the log says to retrain it), never used wrongly."""
    model = WakeWordModel.load(bundled_path("hey jarvis"))
    with np.load(model.path) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["detector_b2"] = arrays["detector_b2"] + 1.0
    retrained = tmp_path / "hey_jarvis.npz"
    np.savez(retrained, **arrays)
    _heads(6, model.detector.digest).save(check_path(retrained), "hey jarvis")
    assert WakeWordModel.load(retrained).detector.digest != model.detector.digest
    assert WakeCheck.for_model(WakeWordModel.load(retrained)) is None


def test_an_unreadable_check_is_left_out(tmp_path: Path) -> None:
    copy = tmp_path / "hey_jarvis.npz"
    shutil.copy(bundled_path("hey jarvis"), copy)
    check_path(copy).write_bytes(b"not an npz")
    assert WakeCheck.for_model(WakeWordModel.load(copy)) is None


def test_the_check_is_on_by_default_and_can_be_turned_off(tmp_path: Path) -> None:
    environ = {"JARVIS_DATA_DIR": str(tmp_path)}
    assert load_settings(environ).wake_check is True
    assert load_settings({**environ, "JARVIS_WAKE_CHECK": "false"}).wake_check is False


def test_the_training_counts_a_wake_by_the_heads_or_the_check_once_per_refractory() -> None:
    """The threshold is chosen on dev speech heard as the edge hears it: a step wakes Jarvis by
    the heads' own rule or where the detector reached the floor and the check agrees, and
    wakes within ``REFRACTORY_S`` of another are one."""
    from assistant.audio.wake_check_training import Heard, checked, wakes

    model = WakeWordModel.load(bundled_path("hey jarvis"))
    heads = _heads(7, model.detector.digest)
    features = np.random.default_rng(8).standard_normal((3, 20, 384)).astype(np.float32)
    detector = np.zeros(100)
    verified = np.zeros(100)
    detector[[10, 40, 45]] = 0.3  # checked steps: 40 and 45 lie within 2 s of each other
    detector[80] = 0.999  # the heads' own wake, where their verifier agrees
    verified[80] = 0.9
    heard = Heard(
        detector, verified, np.array([10, 40, 45, 80]), np.concatenate([features, features[:1]])
    )
    # The check's probabilities as ``wakes`` computes them, all steps in one batch: the same
    # rows scored in another batch may round apart by more than the margins below.
    scored = checked(heard, heads)
    never = dataclasses.replace(heads, threshold=1.01)
    assert wakes(heard, model, never) == 1  # the check never agrees
    everything = float(scored[heard.checked_steps].min()) - 1e-9
    at_everything = dataclasses.replace(heads, threshold=everything)
    assert wakes(heard, model, at_everything) == 3  # 10, 40 (45 is quiet), 80
    # The check's veto: where its probability at the heads' wake is below it, no wake.
    at_80 = float(scored[80])
    assert wakes(heard, model, dataclasses.replace(never, veto=at_80 - 1e-6)) == 1
    assert wakes(heard, model, dataclasses.replace(never, veto=at_80 + 1e-6)) == 0
    verified[80] = 0.0  # the heads' verifier disagrees: their step no longer wakes
    assert wakes(heard, model, never) == 0


def test_strict_without_the_check_says_it_runs_as_normal() -> None:
    """``JARVIS_WAKE_SENSITIVITY=strict`` with the check turned off (or not installed, or
    stale) cannot overrule anything: the log says so instead of pretending."""
    with capture_logs() as logs:
        detector = WakeWordDetector.load(sensitivity="strict", companion=False, check=False)
    assert detector.check is None
    assert detector.model.sensitivity == "strict"
    assert [entry["event"] for entry in logs] == ["wake.strict_without_veto"]
    with capture_logs() as logs:
        WakeWordDetector.load(sensitivity="normal", companion=False, check=False)
    assert logs == []

"""The wake word bench's detectors: ours, and the two published "hey jarvis" models beside it.

- **ours**: ``WakeWordDetector`` (our two heads over openWakeWord's feature models), alone, with
  the whisper check, with the companion, and with both (as the edge runs it).
- **openWakeWord**: its pre-trained ``hey_jarvis`` model, with its own melspectrogram and
  embedding models, as ``pyopen-wakeword`` (Apache-2.0 code, TFLite runtime bundled) ships them;
  it wakes at openWakeWord's default threshold, 0.5. The weights are openWakeWord's (CC BY-NC-SA
  4.0), one reason Jarvis does not ship them: they are measured here, not used.
- **microWakeWord**: ESPHome's ``hey_jarvis`` (Apache-2.0, weights included), as
  ``pymicro-wakeword`` ships it: its manifest's cutoff (0.97) over a mean of 5 steps.

Every detector hears the same 16 kHz PCM in the same 80 ms pushes, and gives two things:

- one score per step on a single scale, so the bench can also set every detector to the same
  false-accept rate and compare false rejects there. Ours keeps its verifier at its threshold
  and scores by the detector head (0 where the verifier disagrees);
- how many times it woke since its reset, at its own operating point: ours exactly as the edge
  runs it; a reference where its scores reach its threshold, counted by ``crossings`` (at most
  once per ``REFRACTORY_S``, as ours).

``cpu_s`` is the CPU time spent waking: ours the thread time of the edge's detector alone (not
the scores, which take a second pass); a reference the process's time, since TFLite computes in
threads of its own (the bench streams in a process that does nothing else meanwhile).
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assistant.audio import SAMPLE_RATE_HZ, to_float
from assistant.audio.openwakeword_features import STEP_SAMPLES, FeatureModels, StreamingFeatures
from assistant.audio.wake_check import WakeCheck, heads_for, whisper_installed
from assistant.audio.wake_companion import FRAME_S, WakeCompanion, companion_for
from assistant.audio.wake_slowed import SlowedLook
from assistant.audio.wake_word import (
    CHECK_AUDIO_SAMPLES,
    CHECK_NAME,
    DEFAULT_WAKE_WORD,
    REFRACTORY_S,
    SLOWED_NAME,
    VERIFY_STEPS,
    WakeWordDetector,
    WakeWordModel,
    Woke,
    resolve_model_path,
)
from assistant.errors import ModelNotFoundError
from models.settings import WakeSensitivity

OURS = "ours"
OURS_HIGH = "ours, high"
"""Ours at ``JARVIS_WAKE_SENSITIVITY=high``: the same heads at the thresholds stored for it."""
OURS_WITH_CHECK = "ours + check"
"""The heads and their whisper check (``wake_check``, ``JARVIS_WAKE_CHECK=true``). Its scores
are the heads' (0 where the check's veto overrules them), or 1 where the check woke it in that
step: a threshold moves the heads alone."""
OURS_WITH_COMPANION = "ours + micro"
"""The heads and microWakeWord's detector beside them (``wake_companion``), without the check.
Its scores are the heads', or 1 where the companion reached its cutoff in that step."""
OURS_SLOWED = "ours + slowed"
"""The heads and their slowed look (``wake_slowed``, ``JARVIS_WAKE_SLOWED=true``), without the
check or the companion. Its scores are the heads', or 1 where the slowed look woke it."""
OURS_AS_THE_EDGE = "the edge"
"""Ours as the edge runs "hey jarvis" by default: the heads, their slowed look, the whisper
check and the companion."""
OURS_STRICT = "the edge, strict"
"""The edge at ``JARVIS_WAKE_SENSITIVITY=strict``: the check's strict threshold, and its veto
on the heads' own wakes (their slowed look's included)."""
_OURS: dict[str, tuple[WakeSensitivity, bool, bool, bool]] = {
    OURS: ("normal", False, False, False),
    OURS_HIGH: ("high", False, False, False),
    OURS_WITH_CHECK: ("normal", False, True, False),
    OURS_WITH_COMPANION: ("normal", True, False, False),
    OURS_SLOWED: ("normal", False, False, True),
    OURS_AS_THE_EDGE: ("normal", True, True, True),
    OURS_STRICT: ("strict", True, True, True),
}
OPEN_WAKE_WORD = "openWakeWord"
MICRO_WAKE_WORD = "microWakeWord"
REFERENCES = (OPEN_WAKE_WORD, MICRO_WAKE_WORD)
OPEN_WAKE_WORD_THRESHOLD = 0.5
"""openWakeWord's default activation threshold."""
Scores = npt.NDArray[np.float64]


class StreamingDetector(Protocol):
    step_s: float
    """Seconds of audio per score."""

    @property
    def cpu_s(self) -> float:
        """CPU seconds spent waking since it was loaded."""
        ...

    def reset(self) -> None: ...

    def push(self, pcm: bytes) -> Scores:
        """Feed 16 kHz mono int16 PCM: the score of each step it completed."""
        ...

    def woke(self, scores: Scores) -> int:
        """How many times it woke since its reset; ``scores``: every score pushed since."""
        ...


def crossings(scores: Scores, threshold: float, step_s: float) -> int:
    """Steps at or above ``threshold``, counted at most once per ``REFRACTORY_S``."""
    count, quiet_until = 0, -1
    refractory_steps = round(REFRACTORY_S / step_s)
    for step in np.flatnonzero(scores >= threshold).tolist():
        if step >= quiet_until:
            count, quiet_until = count + 1, step + refractory_steps
    return count


class Ours:
    step_s = STEP_SAMPLES / SAMPLE_RATE_HZ

    def __init__(
        self,
        model: str = DEFAULT_WAKE_WORD,
        sensitivity: WakeSensitivity = "normal",
        companion: bool = False,
        check: bool = False,
        slowed: bool = False,
    ):
        self._model = WakeWordModel.load(resolve_model_path(model), sensitivity)
        features = FeatureModels.load()
        self._detector = WakeWordDetector(
            self._model,
            features,
            companion=companion_for(self._model.phrase, companion),
            check=WakeCheck.for_model(self._model, check),
            slowed=SlowedLook(self._model, features) if slowed else None,
        )
        # A second companion of its own for the scores: the detector's only reports the wakes
        # it was allowed (none within REFRACTORY_S of another).
        self._scoring_companion = companion_for(self._model.phrase, companion)
        self._features = StreamingFeatures(features)
        self._recent: list[Any] = []
        self._steps = 0
        self._extra_steps: list[int] = []
        """Steps (counted from the reset) where the companion reached its cutoff, or the check
        or the slowed look woke it, not yet scored."""
        self._woke = 0
        checking = self._detector.check
        self._veto = checking if checking is not None and checking.veto > 0 else None
        """The check, when it may overrule the heads: a step it is sure of scores 0."""
        self._audio = np.zeros(0, np.float32)
        """The audio since the reset (the last ``CHECK_AUDIO_SAMPLES`` and this push's), for
        the veto."""
        self._audio_start = 0
        """The sample (from the reset) ``_audio`` starts at."""

    @property
    def cpu_s(self) -> float:
        return self._detector.cpu_s

    def reset(self) -> None:
        self._detector.reset()
        self._features.reset()
        self._recent.clear()
        self._steps = 0
        self._extra_steps.clear()
        self._audio = np.zeros(0, np.float32)
        self._audio_start = 0
        if self._scoring_companion is not None:
            self._scoring_companion.reset()
        self._woke = 0

    def woke(self, scores: Scores) -> int:
        return self._woke  # the edge's own detector decided, not the scores

    def push(self, pcm: bytes) -> Scores:
        woke = [e for e in self._detector.push(pcm) if isinstance(e, Woke)]
        self._woke += len(woke)
        self._extra_steps += [
            math.ceil(e.at_s / self.step_s - 1e-9)
            for e in woke
            if e.by in (CHECK_NAME, SLOWED_NAME)
        ]
        if self._scoring_companion is not None:
            self._extra_steps += [
                math.ceil(at_s / self.step_s - 1e-9)
                for at_s, _ in self._scoring_companion.push(pcm)
            ]
        samples = to_float(pcm)
        windows = self._features.push(samples)
        if self._veto is not None:
            self._audio = np.concatenate([self._audio, samples])
        out = np.zeros(windows.shape[0])
        if not windows.shape[0]:
            self._keep_recent_audio()
            return out
        first = self._steps + 1  # the first step this push completed, counted from 1
        for i, (window, score) in enumerate(
            zip(windows, self._model.detector.scores(windows), strict=True)
        ):
            self._recent = [*self._recent[-(VERIFY_STEPS - 1) :], window]
            verified = self._model.verifier.scores(np.stack(self._recent)).max()
            out[i] = score if verified >= self._model.verifier.threshold else 0.0
            if self._veto is not None and out[i] >= self._veto.floor and self._overruled(first + i):
                out[i] = 0.0
        self._keep_recent_audio()
        self._steps += windows.shape[0]
        for step in self._extra_steps:
            # A check's wake is reported at the detector's peak, up to ``PEAK_STEPS`` after the
            # push that held it (the slowed look's, a step after it): scored in this push's
            # first step then.
            if step <= self._steps:
                out[max(step, first) - first] = 1.0
        self._extra_steps = [step for step in self._extra_steps if step > self._steps]
        return out

    def _overruled(self, step: int) -> bool:
        """Whether the check's veto overrules a wake of the heads at ``step`` (the edge's rule,
        ``CheckedDecision``), asked of the 2 s ending there. Each step is asked alone: the edge,
        once it has overruled a step, is quiet for ``REFRACTORY_S``, so the same-rate rows may
        count a later step of the same phrase that would not wake it (an upper bound)."""
        if self._veto is None:
            return False
        end = step * STEP_SAMPLES - self._audio_start
        probability = self._veto.probability(self._audio[: max(0, end)])
        return probability < self._veto.veto

    def _keep_recent_audio(self) -> None:
        extra = self._audio.size - CHECK_AUDIO_SAMPLES
        if extra > 0:
            self._audio = self._audio[extra:]
            self._audio_start += extra


class _Reference:
    """A published model: wakes where its score reaches its threshold."""

    step_s: float
    threshold: float

    def __init__(self) -> None:
        self.cpu_s = 0.0

    def reset(self) -> None:
        raise NotImplementedError

    def scores(self, pcm: bytes) -> Scores:
        raise NotImplementedError

    def push(self, pcm: bytes) -> Scores:
        started = time.process_time()
        scores = self.scores(pcm)
        self.cpu_s += time.process_time() - started
        return scores

    def woke(self, scores: Scores) -> int:
        return crossings(scores, self.threshold, self.step_s)


class OpenWakeWordReference(_Reference):
    step_s = 1280 / SAMPLE_RATE_HZ  # one score per 80 ms embedding
    threshold = OPEN_WAKE_WORD_THRESHOLD

    def __init__(self) -> None:
        from pyopen_wakeword import Model, OpenWakeWord, OpenWakeWordFeatures

        super().__init__()
        self._model = OpenWakeWord.from_builtin(Model.HEY_JARVIS)
        self._features = OpenWakeWordFeatures.from_builtin()
        # Its reset pretends 8 s of silence were heard, computing them on the next push (~1 s
        # of CPU per clip here). Ours starts from silence too, precomputed: so does this, from
        # a snapshot taken once after 2 s of silence (enough to fill the model's window).
        self._model.reset()
        self._features.reset()
        self._features.new_audio_samples = 0
        self._score_stream(bytes(2 * 2 * SAMPLE_RATE_HZ))  # 2 s of int16 zeros
        self._silence = [
            (part, name, copy.deepcopy(getattr(part, name)))
            for part, names in (
                (self._features, ("audio", "new_audio_samples", "mels", "new_mels")),
                (self._model, ("embeddings", "new_embeddings")),
            )
            for name in names
        ]

    def reset(self) -> None:
        for part, name, value in self._silence:
            setattr(part, name, copy.deepcopy(value))

    def _score_stream(self, pcm: bytes) -> list[float]:
        return [
            probability
            for embeddings in self._features.process_streaming(pcm)
            for probability in self._model.process_streaming(embeddings)
        ]

    def scores(self, pcm: bytes) -> Scores:
        return np.array(self._score_stream(pcm), dtype=np.float64)


class MicroWakeWordReference(_Reference):
    """microWakeWord alone: the model and features the edge's companion streams, scored on every
    frame."""

    step_s = FRAME_S  # one probability per 10 ms feature frame

    def __init__(self) -> None:
        super().__init__()
        companion = WakeCompanion.load()
        if companion is None:  # ``load`` logged why
            raise RuntimeError(f"{MICRO_WAKE_WORD} does not load here (pymicro-wakeword)")
        self._companion = companion
        self.threshold = companion.cutoff

    def reset(self) -> None:
        self._companion.reset()

    def scores(self, pcm: bytes) -> Scores:
        return np.array(self._companion.probabilities(pcm), dtype=np.float64)


_REFERENCE_CLASSES: dict[str, type[_Reference]] = {
    OPEN_WAKE_WORD: OpenWakeWordReference,
    MICRO_WAKE_WORD: MicroWakeWordReference,
}


def load(name: str, model: str = DEFAULT_WAKE_WORD) -> StreamingDetector:
    """``OURS``, ``OURS_HIGH`` or ``OURS_WITH_COMPANION`` (with ``model``, a phrase or trained
    ``.npz``) or one of ``REFERENCES``."""
    if name in _OURS:
        return Ours(model, *_OURS[name])
    if name not in _REFERENCE_CLASSES:
        raise ValueError(f"no wake word detector {name!r}")
    return _REFERENCE_CLASSES[name]()


def step_s(name: str) -> float:
    """Seconds of audio per score of the detector ``name``."""
    return Ours.step_s if name in _OURS else _REFERENCE_CLASSES[name].step_s


def has_high_sensitivity(model: str = DEFAULT_WAKE_WORD) -> bool:
    """Whether ``model`` stores thresholds for high sensitivity (files trained before did not)."""
    try:
        WakeWordModel.load(resolve_model_path(model), "high")
    except ModelNotFoundError:
        return False
    return True


def has_check(model: str = DEFAULT_WAKE_WORD) -> bool:
    """Whether ``model`` has a whisper check that fits it and whisper tiny.en is installed;
    asked without loading whisper, which only the processes that measure a detector load."""
    heads = heads_for(WakeWordModel.load(resolve_model_path(model)))
    return heads is not None and whisper_installed()


def has_veto(model: str = DEFAULT_WAKE_WORD) -> bool:
    """Whether ``model``'s whisper check overrules the heads at ``strict`` sensitivity (a check
    trained before the veto does not, and strict would be the edge's default column again)."""
    heads = heads_for(WakeWordModel.load(resolve_model_path(model)))
    return heads is not None and heads.veto > 0


def has_companion(model: str = DEFAULT_WAKE_WORD) -> bool:
    """Whether the edge runs ``model``'s phrase with a companion detector (and it loads here)."""
    return companion_for(WakeWordModel.load(resolve_model_path(model)).phrase) is not None


def available_references() -> list[str]:
    """The references whose packages are installed (openWakeWord's is in the ``dev`` extra,
    microWakeWord's in the ``edge`` extra, as the wake word's companion)."""
    import importlib.util

    packages = {OPEN_WAKE_WORD: "pyopen_wakeword", MICRO_WAKE_WORD: "pymicro_wakeword"}
    return [name for name in REFERENCES if importlib.util.find_spec(packages[name]) is not None]

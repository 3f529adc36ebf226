"""The wake word: "hey jarvis" heard in a stream, before anything else listens.

Two small heads of our own score the streamed openWakeWord features (``openwakeword_features``):
a *detector* that fires on the phrase, and a *verifier* trained only to tell the phrase from its
near misses ("hey travis", "hey harvey", "jarvis is a name"). Jarvis wakes when the detector's
score crosses its threshold and the verifier agrees on the same stretch of audio. Both are plain
numpy MLPs whose weights ship with the package (``wake_words/*.npz``), trained without torch by
``python -m assistant.audio.wake_word_training`` (``just train-wake-word``).

For "hey jarvis" a second, independent detector runs beside the heads (``wake_companion``:
microWakeWord's model, which hears voice families ours misses); Jarvis wakes when either hears
the phrase, once.

Where the wake word has a whisper check (``wake_check``), a step the detector scores at least
the check's floor (0.2) also wakes Jarvis when whisper tiny.en's encoder, hearing the 2 s before
it, agrees: it hears voices of families the heads never learned. At ``strict`` sensitivity it
also overrules the heads' own wake where it is sure the phrase was not said (its veto).

A phrase said faster than the training's voices spoke it peaks just under the detector's
threshold: where the detector peaks at 0.9 or more without waking, the heads hear the 2 s again,
slowed down (``wake_slowed``), and wake Jarvis where they hear the phrase there.

The detector keeps no text and logs nothing; of the audio it keeps only the last two seconds, in
memory, for the check and the slowed look (its companion keeps only its own features), so speech
before the wake word never leaves this object.

A household may also *enroll* its own voices (``wake_enrollment``, ``jarvis wake enroll``): a few
windows of each person's "hey jarvis", kept as features. A step the detector scores at least
``ENROLLED_FLOOR`` then also wakes Jarvis when its window is within the model's
``enrollment_distance`` of one of them and the verifier gives it at least
``enrollment_verifier_share`` of what it gave that take — the accents the heads miss are rescued
for the people who live there, at a cost in their own near misses that the calibration bounds.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import structlog

from assistant.audio import SAMPLE_RATE_HZ, Float32Array, to_float, to_pcm
from assistant.audio.openwakeword_features import (
    STEP_SAMPLES,
    FeatureModels,
    StreamingFeatures,
    WindowArray,
)
from assistant.audio.wake_companion import NAME, WakeCompanion, companion_for
from assistant.errors import ModelNotFoundError
from models.settings import WakeSensitivity

if TYPE_CHECKING:
    from assistant.audio.wake_check import WakeCheck
    from assistant.audio.wake_slowed import SlowedLook

log = structlog.get_logger(__name__)

BUNDLED_DIR = Path(__file__).parent / "wake_words"
DEFAULT_WAKE_WORD = "hey jarvis"
REFRACTORY_S = 2.0
"""After waking, the same phrase cannot wake Jarvis again for this long."""
NEAR_MISS_QUIET_S = 0.5
"""After a near miss, the detector's same peak is not reported again for this long."""
VERIFY_STEPS = 4
"""The verifier looks at the best of the last few windows (the phrase may peak a step early)."""
CHECK_AUDIO_SAMPLES = 2 * SAMPLE_RATE_HZ + 2 * STEP_SAMPLES
"""Audio kept for the whisper check and the slowed look: their 2 s window, and the steps the
features lag behind."""
PEAK_STEPS = 3
"""How many steps (80 ms each) a wake the check decided may wait for the detector's peak."""
CHECK_NAME = "whisper check"
"""``Woke.by`` for a wake the whisper check decided (``wake_check.NAME``)."""
SLOWED_NAME = "slowed detector"
"""``Woke.by`` for a wake our heads heard in the audio slowed down (``wake_slowed.NAME``)."""
ENROLLED_FLOOR = 0.5
"""An enrolled voice's phrase must still score this much from the detector: the template match
only lowers the bar for phrases the detector already half believes."""
STALE_VOICES = (
    "they enrolled before the {phrase!r} wake word was retrained and no longer count: each "
    "enrolls again with `jarvis wake enroll --name ...`"
)
"""What to do about voices enrolled with another verifier (``Enrolled.stale_for``)."""


@dataclass(frozen=True, slots=True)
class MlpHead:
    """One hidden ReLU layer over a standardized, flattened window; sigmoid out."""

    mean: Float32Array
    scale: Float32Array
    hidden_weights: Float32Array
    hidden_bias: Float32Array
    out_weights: Float32Array
    out_bias: float
    threshold: float

    def scores(self, windows: WindowArray) -> npt.NDArray[np.float64]:
        """Probability of the phrase for each ``(16, 96)`` window."""
        flat = windows.reshape(windows.shape[0], -1).astype(np.float32)
        hidden = np.maximum(
            (flat - self.mean) / self.scale @ self.hidden_weights + self.hidden_bias, 0
        )
        logits = (hidden @ self.out_weights).reshape(-1).astype(np.float64) + self.out_bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))

    @property
    def digest(self) -> str:
        """Names the weights (not the threshold): what a score this head gave depends on."""
        weights = hashlib.sha256()
        for part in (self.mean, self.scale, self.hidden_weights, self.hidden_bias,
                     self.out_weights, np.float32(self.out_bias)):  # fmt: skip
            weights.update(np.ascontiguousarray(part, dtype=np.float32).tobytes())
        return weights.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class WakeWordModel:
    phrase: str
    detector: MlpHead
    verifier: MlpHead
    path: Path
    sensitivity: WakeSensitivity = "normal"
    enrollment_distance: float | None = None
    """How near (cosine distance in the detector's standardized input) a window must be to an
    enrolled one; ``None`` for a model never calibrated for enrolled voices."""
    enrollment_verifier_share: float = 0.0
    """The share of the verifier's score for the enrolled take that the window must reach too:
    near misses said by the enrolled person lie near their takes, but the verifier doubts them."""

    @classmethod
    def load(cls, path: Path, sensitivity: WakeSensitivity = "normal") -> WakeWordModel:
        try:
            with np.load(path) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError) as error:
            raise ModelNotFoundError(f"cannot read the wake word model {path}: {error}") from None

        def head(prefix: str) -> MlpHead:
            return MlpHead(
                mean=arrays[f"{prefix}_mean"].astype(np.float32),
                scale=arrays[f"{prefix}_scale"].astype(np.float32),
                hidden_weights=arrays[f"{prefix}_w1"].astype(np.float32),
                hidden_bias=arrays[f"{prefix}_b1"].astype(np.float32),
                out_weights=arrays[f"{prefix}_w2"].astype(np.float32),
                out_bias=float(arrays[f"{prefix}_b2"].reshape(-1)[0]),
                threshold=float(arrays[f"{prefix}_threshold"]),
            )

        try:
            detector, verifier = head("detector"), head("verifier")
            phrase = str(arrays["phrase"])
        except KeyError as error:
            raise ModelNotFoundError(f"{path} is not a wake word model (no {error})") from None
        if sensitivity == "high":
            if "sensitive_thresholds" not in arrays:
                raise ModelNotFoundError(
                    f"{path} has no high sensitivity (trained before it existed): retrain it with "
                    f"`just train-wake-word`, or set JARVIS_WAKE_SENSITIVITY=normal"
                )
            d, v = (float(t) for t in arrays["sensitive_thresholds"].reshape(-1)[:2])
            detector, verifier = replace(detector, threshold=d), replace(verifier, threshold=v)
        distance = arrays.get("enrollment_distance")
        enrollment = None if distance is None else float(distance.reshape(-1)[0])
        share = float(arrays.get("enrollment_verifier_share", np.zeros(1)).reshape(-1)[0])
        return cls(phrase, detector, verifier, path, sensitivity, enrollment, share)


def slug(phrase: str) -> str:
    return phrase.strip().lower().replace(" ", "_")


def bundled_path(phrase: str) -> Path:
    return BUNDLED_DIR / (slug(phrase) + ".npz")


def enrolled_path(data_dir: Path, phrase: str) -> Path:
    """Where the house's enrolled voices for ``phrase`` are kept: features, never audio."""
    return data_dir / "wake_words" / f"{slug(phrase)}.voices.npz"


@dataclass(frozen=True, slots=True)
class Enrolled:
    """What ``enrolled_path`` keeps: per window, whose it is and how sure the verifier was of
    the take it came from."""

    windows: WindowArray
    names: tuple[str, ...]
    verified: Float32Array
    verifier: str = ""
    """The ``digest`` of the verifier that gave those scores: a retrained wake word's verifier
    scores the same take differently, so its people must enroll again. ``""`` in a file written
    before this was kept (taken on trust)."""

    def __post_init__(self) -> None:
        if not self.names or not (
            self.windows.ndim == 3
            and self.windows.shape[0] == len(self.names) == self.verified.size
        ):
            raise ValueError("one name and one verifier score per enrolled window, at least one")

    @classmethod
    def joined(cls, parts: Sequence[Enrolled]) -> Enrolled:
        """The parts' windows one after the other, each keeping its name and score."""
        verifiers = {part.verifier for part in parts} - {""}
        if len(verifiers) > 1:
            raise ValueError("enrolled windows scored by different verifiers cannot be joined")
        return cls(
            np.concatenate([part.windows for part in parts]),
            tuple(name for part in parts for name in part.names),
            np.concatenate([part.verified for part in parts]),
            verifiers.pop() if verifiers else "",
        )

    def named(self, name: str) -> Enrolled:
        """The same windows, all ``name``'s."""
        return replace(self, names=(name,) * len(self.names))

    def only(self, keep: list[int]) -> Enrolled:
        return replace(
            self,
            windows=self.windows[keep],
            names=tuple(self.names[i] for i in keep),
            verified=self.verified[keep],
        )

    def stale_for(self, model: WakeWordModel) -> bool:
        """Enrolled with another verifier than ``model``'s (the wake word was retrained)."""
        return bool(self.verifier) and self.verifier != model.verifier.digest


def read_enrolled(path: Path) -> Enrolled | None:
    """The enrolled windows; ``None`` when nobody has enrolled."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return Enrolled(
                data["windows"].astype(np.float32),
                tuple(str(name) for name in data["names"]),
                data["verified"].astype(np.float32),
                str(data["verifier"]) if "verifier" in data.files else "",
            )
    except (OSError, ValueError, KeyError) as error:
        raise ModelNotFoundError(
            f"cannot read the enrolled voices {path} ({error}): `jarvis wake forget` and enroll "
            f"again"
        ) from None


@dataclass(frozen=True, slots=True)
class HouseVoices:
    """The voices enrolled for a model, or why the ones on disk are not used."""

    voices: EnrolledVoices | None
    ignored: str | None = None
    """Why enrolled voices were found but are not used (unreadable, enrolled before a retrain,
    a model never calibrated for them); ``None`` when they are used or there are none."""


def house_voices(model: WakeWordModel, data_dir: Path | None) -> HouseVoices:
    """The voices enrolled in ``data_dir`` for the model's phrase. Found but unusable (their file
    cannot be read, they enrolled with a wake word since retrained, the model was never
    calibrated for them), the wake word wakes as if nobody had enrolled, for everyone, and the
    log and ``ignored`` say what to do (``jarvis wake voices`` and ``enroll`` say it too)."""
    if data_dir is None:
        return HouseVoices(None)
    path = enrolled_path(data_dir, model.phrase)
    if model.enrollment_distance is None:
        if not path.is_file():
            return HouseVoices(None)
        why = f"{model.path} has no calibrated match for enrolled voices"
        log.warning("wake.enrolled_voices_uncalibrated", error=why)
        return HouseVoices(None, why)
    try:
        found = read_enrolled(path)
    except ModelNotFoundError as error:
        log.warning("wake.enrolled_voices_unreadable", error=str(error))
        return HouseVoices(None, str(error))
    if found is None:
        return HouseVoices(None)
    if found.stale_for(model):
        why = STALE_VOICES.format(phrase=model.phrase)
        log.warning("wake.enrolled_voices_stale", voices=sorted(set(found.names)), error=why)
        return HouseVoices(None, why)
    return HouseVoices(EnrolledVoices.of(model, found))


def load_enrolled(model: WakeWordModel, data_dir: Path | None) -> EnrolledVoices | None:
    """The voices in use (``house_voices``); ``None`` when there are none or they are ignored."""
    return house_voices(model, data_dir).voices


def resolve_model_path(setting: str) -> Path:
    """``JARVIS_WAKE_WORD``: a bundled phrase ("hey jarvis") or the path of a trained ``.npz``."""
    as_path = Path(setting).expanduser()
    if as_path.suffix == ".npz":
        if not as_path.is_file():
            raise ModelNotFoundError(f"JARVIS_WAKE_WORD: no wake word model at {as_path}")
        return as_path
    path = bundled_path(setting)
    if not path.is_file():
        known = sorted(p.stem.replace("_", " ") for p in BUNDLED_DIR.glob("*.npz"))
        raise ModelNotFoundError(
            f"JARVIS_WAKE_WORD: no model for {setting!r} (bundled: {', '.join(known)}); train one "
            f"with `python -m assistant.audio.wake_word_training --phrase ...` and give its path"
        )
    return path


def standardized_units(head: MlpHead, windows: WindowArray) -> Float32Array:
    """Windows as the head's input sees them (standardized, flattened), scaled to unit length."""
    flat = (windows.reshape(windows.shape[0], -1).astype(np.float32) - head.mean) / head.scale
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    units: Float32Array = (flat / np.maximum(norms, 1e-6)).astype(np.float32)
    return units


@dataclass(frozen=True, slots=True)
class EnrolledVoices:
    """The windows of the phrase as the people of the house said it at enrollment."""

    head: MlpHead
    """The detector: its standardization is the space windows are compared in."""
    templates: Float32Array
    """Unit rows (``standardized_units``), one per enrolled window."""
    names: tuple[str, ...]
    """Whose each row is."""
    needs_verified: Float32Array
    """Per row, the verifier score a window near it must reach."""
    max_distance: float

    @classmethod
    def of(cls, model: WakeWordModel, enrolled: Enrolled) -> EnrolledVoices:
        if model.enrollment_distance is None:
            raise ModelNotFoundError(
                f"{model.path} has no calibrated match for enrolled voices: run "
                f"`just calibrate-wake-enrollment --model ...` (it says why when no match keeps "
                f"within its bounds), or `jarvis wake forget`"
            )
        units = standardized_units(model.detector, enrolled.windows)
        needs = (enrolled.verified * model.enrollment_verifier_share).astype(np.float32)
        return cls(model.detector, units, enrolled.names, needs, model.enrollment_distance)

    def distances(self, windows: WindowArray) -> npt.NDArray[np.float32]:
        """``(windows, templates)`` cosine distances."""
        distances: npt.NDArray[np.float32] = 1.0 - standardized_units(self.head, windows) @ (
            self.templates.T
        )
        return distances

    def matches(
        self, distances: npt.NDArray[np.float32], verified: float | npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Which rows windows at ``distances`` from them (``(templates,)``, or ``(windows,
        templates)`` with ``verified`` a column) match."""
        near = distances <= self.max_distance
        matched: npt.NDArray[np.bool_] = near & (verified >= self.needs_verified)
        return matched

    def match(self, window: WindowArray, verified: float) -> str | None:
        """Whose enrolled phrase this window is (the nearest match), if anyone's."""
        distances = self.distances(window[np.newaxis])[0]
        matched = np.flatnonzero(self.matches(distances, verified))
        if matched.size == 0:
            return None
        return self.names[int(matched[np.argmin(distances[matched])])]


@dataclass(frozen=True, slots=True)
class Woke:
    at_s: float
    """Seconds into the stream where the step that woke Jarvis ended."""
    score: float
    verifier_score: float
    voice: str | None = None
    """The enrolled voice whose phrase woke Jarvis below the detector's own threshold (or past
    the verifier), if that is how it woke."""
    by: str | None = None
    """What woke Jarvis when it was not our heads: the companion detector
    (``wake_companion.NAME``) or the whisper check (``CHECK_NAME``), ``score`` then its
    probability; or our heads on the audio slowed down (``SLOWED_NAME``), ``score`` then the
    detector's there."""


@dataclass(frozen=True, slots=True)
class NearMiss:
    """The detector fired but the verifier did not agree, or the whisper check was sure the
    phrase was not said: Jarvis stays asleep."""

    at_s: float
    score: float
    verifier_score: float
    checked: float | None = None
    """The whisper check's probability when the check overruled the heads (its veto)."""

    @property
    def rejected_by(self) -> str:
        """``whisper check`` when the check's veto said no, else ``verifier``."""
        return "verifier" if self.checked is None else "whisper check"

    @property
    def reason(self) -> str:
        """Why Jarvis did not wake, for the logs."""
        return f"near miss rejected by the {self.rejected_by}"

    def log_fields(self) -> dict[str, object]:
        """What the logs say of it (the edge's and a satellite's): scores only, as before the
        wake word nothing that was said is logged."""
        return {
            "reason": self.reason,
            "at_s": round(self.at_s, 2),
            "score": round(self.score, 3),
            "verifier_score": round(self.verifier_score, 3),
            "checked": None if self.checked is None else round(self.checked, 3),
        }


WakeEvent = Woke | NearMiss


@dataclass(frozen=True, slots=True)
class _PendingWake:
    woke: Woke
    peak: float
    """The detector's highest score since the check agreed."""
    waited: int = 0


def verified_over_recent(
    checked: npt.NDArray[np.float64], clips: npt.NDArray[np.int64] | None = None
) -> npt.NDArray[np.float64]:
    """Each step's verifier score as the streaming detector asks it: the best of the last
    ``VERIFY_STEPS`` windows, never reaching back into another clip (``clips`` names each
    step's clip when several are scored end to end; ``None``: one clip). For the replays that
    score every step at once, where the detector asks lazily."""
    verified = checked.copy()
    for back in range(1, VERIFY_STEPS):
        if checked.size <= back:
            break
        same = np.zeros(checked.size, bool)
        same[back:] = True if clips is None else clips[back:] == clips[:-back]
        shifted = np.concatenate([np.zeros(back), checked[:-back]])
        verified = np.where(same, np.maximum(verified, shifted), verified)
    return verified


class StepDecision:
    """What each 80 ms step decides, and the quiet times after a wake or a near miss: one rule
    for the streaming detector and for the replays that count its wakes from precomputed scores
    (the training's threshold table, the enrolled voices' calibration). The verifier and the
    enrolled voices are asked lazily, only when the step needs them, as streaming does."""

    def __init__(
        self, detector_threshold: float, verifier_threshold: float, *, enrolled: bool = False
    ) -> None:
        self._detector_threshold = detector_threshold
        self._verifier_threshold = verifier_threshold
        self._enrolled = enrolled
        """Whether an enrolled voice may wake it (a step the detector scores ≥ the floor)."""
        self.quiet_until_s = 0.0

    @classmethod
    def of(cls, model: WakeWordModel, *, enrolled: bool = False) -> StepDecision:
        return cls(model.detector.threshold, model.verifier.threshold, enrolled=enrolled)

    def step(
        self,
        end_s: float,
        score: float,
        verified: Callable[[], float],
        voice: Callable[[float], str | None] = lambda _: None,
    ) -> WakeEvent | None:
        """``verified``: the verifier's best over the last ``VERIFY_STEPS`` windows; ``voice``:
        whose enrolled window this one matches at that verifier score, if anyone's."""
        if end_s < self.quiet_until_s:
            return None
        heard = score >= self._detector_threshold
        could_be_enrolled = self._enrolled and score >= ENROLLED_FLOOR
        if not heard and not could_be_enrolled:
            return None
        checked = verified()
        if heard and checked >= self._verifier_threshold:
            self.quiet_until_s = end_s + REFRACTORY_S
            return Woke(end_s, score, checked)
        whose = voice(checked) if could_be_enrolled else None
        if whose is not None:  # a phrase as one of the house says it: past the heads' doubts
            self.quiet_until_s = end_s + REFRACTORY_S
            return Woke(end_s, score, checked, whose)
        if not heard:
            return None
        self.quiet_until_s = end_s + NEAR_MISS_QUIET_S
        return NearMiss(end_s, score, checked)


class CheckedDecision:
    """``StepDecision`` with the whisper check beside it (``assistant.audio.wake_check``): a step
    the detector scores at least the check's floor, that the heads did not wake on (their near
    misses included), wakes Jarvis when the check's probability reaches its threshold. That
    wake waits for the detector's peak (``PEAK_STEPS`` at most), where the heads' own wakes
    are. One rule for the streaming detector and for the check's training, which replays
    probabilities it computed once. The probability is asked lazily, as the verifier is."""

    def __init__(
        self,
        decision: StepDecision,
        floor: float | None = None,
        threshold: float | None = None,
        veto: float = 0.0,
    ) -> None:
        self.decision = decision
        self._floor = floor
        self._threshold = threshold
        """``None``: no check runs, and this is ``decision`` alone."""
        self._veto = veto if threshold is not None else 0.0
        """The heads' own wake (not an enrolled voice's) is a near miss where the check's
        probability is below this."""
        self.woke_until_s = 0.0
        """After any wake (the companion's too), the check is quiet as the heads are."""
        self._pending: _PendingWake | None = None

    @property
    def pending(self) -> bool:
        """A wake the check decided is waiting for the detector's peak."""
        return self._pending is not None

    def reset(self) -> None:
        self.decision.quiet_until_s = 0.0
        self.woke_until_s = 0.0
        self._pending = None

    def step(
        self,
        end_s: float,
        score: float,
        verified: Callable[[], float],
        voice: Callable[[float], str | None] = lambda _: None,
        probability: Callable[[], float] = lambda: 0.0,
    ) -> WakeEvent | None:
        """``probability``: the check's for the 2 s ending at this step."""
        if self._pending is not None:
            return self._woke(self._follow_peak(score, end_s))
        event = self.decision.step(end_s, score, verified, voice)
        if isinstance(event, Woke):
            return self.overruled(event, probability) or self._woke(event)
        if self._threshold is None or self._floor is None:
            return event
        if score < self._floor or end_s < self.woke_until_s:
            return event
        checked_probability = probability()
        if checked_probability < self._threshold:
            return event
        self.decision.quiet_until_s = end_s + REFRACTORY_S
        checked = event.verifier_score if event is not None else verified()
        # The check hears the phrase up to a step before its end, where the detector is still
        # rising: the wake is placed where the detector peaks, as the heads' own wakes are (what
        # follows the wake point is the command; a phrase said alone ends about there).
        self._pending = _PendingWake(
            Woke(end_s, checked_probability, checked, by=CHECK_NAME), score
        )
        return None

    def overruled(self, woke: Woke, probability: Callable[[], float]) -> NearMiss | None:
        """A near miss where the check is sure the phrase of the heads' wake was not said (the
        heads stay quiet after it as after a wake); ``None`` lets the wake stand.
        An enrolled voice's wake is the house's own phrase and is never overruled."""
        if self._veto <= 0.0 or woke.voice is not None:
            return None
        checked = probability()
        if checked >= self._veto:
            return None
        return NearMiss(woke.at_s, woke.score, woke.verifier_score, checked=checked)

    def finish(self) -> Woke | None:
        """At the end of a stream: the check's wake still waiting for the peak, if any."""
        pending, self._pending = self._pending, None
        return self._woke(pending.woke if pending is not None else None)

    def _woke(self, woke: Woke | None) -> Woke | None:
        if woke is not None:
            self.woke_until_s = woke.at_s + REFRACTORY_S
        return woke

    def _follow_peak(self, score: float, end_s: float) -> Woke | None:
        """While the detector still rises (at most ``PEAK_STEPS``), the pending wake follows it;
        then it is reported at the peak's step."""
        pending = self._pending
        assert pending is not None
        if score > pending.peak and pending.waited < PEAK_STEPS:
            moved = replace(pending.woke, at_s=end_s)
            self._pending = _PendingWake(moved, score, pending.waited + 1)
            return None
        self._pending = None
        return pending.woke


class WakeWordDetector:
    """Streams 16 kHz PCM through the features and both heads; synchronous and cheap (~2% of a
    core), so callers run ``push`` in a worker thread when the loop must stay free."""

    def __init__(
        self,
        model: WakeWordModel,
        features: FeatureModels,
        enrolled: EnrolledVoices | None = None,
        *,
        enrolled_ignored: str | None = None,
        companion: WakeCompanion | None = None,
        check: WakeCheck | None = None,
        slowed: SlowedLook | None = None,
    ):
        self.model = model
        self.enrolled = enrolled
        self.companion = companion
        """A second detector that also wakes Jarvis (``wake_companion``), if any."""
        self.check = check
        """whisper's ear on the steps the detector half believes (``wake_check``), if any."""
        self.slowed = slowed
        """Our heads again on the audio slowed down, where the detector nearly woke
        (``wake_slowed``), if they listen twice."""
        self._audio = np.zeros(0, np.float32)
        """The last ``CHECK_AUDIO_SAMPLES`` heard, for the check and the slowed look only: in
        memory, never kept."""
        self._previous: tuple[float, float, float] | None = None
        """The last step's detector score, the score before it and its end: a peak is known
        one step after it."""
        self.enrolled_ignored = enrolled_ignored
        """Why voices enrolled in the data dir are not used (``HouseVoices.ignored``)."""
        self._features = StreamingFeatures(features)
        self._samples = 0
        self._steps = 0
        floor, threshold = (check.floor, check.threshold) if check is not None else (None, None)
        self._decision = CheckedDecision(
            StepDecision.of(model, enrolled=enrolled is not None),
            floor,
            threshold,
            check.veto if check is not None else 0.0,
        )
        self._recent: list[WindowArray] = []
        self._companion_quiet_until_s = 0.0
        """The companion's own quiet time: only after a wake, not after our heads' near miss."""
        self.cpu_s = 0.0
        """Thread CPU time spent in ``push`` so far (the benchmark reports it)."""

    @classmethod
    def load(
        cls,
        setting: str = DEFAULT_WAKE_WORD,
        sensitivity: WakeSensitivity = "normal",
        data_dir: Path | None = None,
        companion: bool = True,
        check: bool = True,
        slowed: bool = True,
    ) -> WakeWordDetector:
        """The model ``setting`` names, with the voices enrolled in ``data_dir`` (if any), its
        phrase's companion detector (if it has one and ``companion``), its whisper check (if
        it has one, whisper tiny.en is installed, and ``check``) and, with ``slowed``, the
        slowed look."""
        # Both build on this module's heads.
        from assistant.audio.wake_check import WakeCheck
        from assistant.audio.wake_slowed import SlowedLook

        model = WakeWordModel.load(resolve_model_path(setting), sensitivity)
        house = house_voices(model, data_dir)
        checking = WakeCheck.for_model(model, check)
        if sensitivity == "strict" and (checking is None or checking.veto <= 0):
            log.warning(
                "wake.strict_without_veto", phrase=model.phrase,
                hint="strict needs the whisper check with a veto (whisper tiny.en installed, "
                "JARVIS_WAKE_CHECK=true, `just train-wake-check`): the wake word runs as normal",
            )  # fmt: skip
        features = FeatureModels.load()
        return cls(
            model,
            features,
            house.voices,
            enrolled_ignored=house.ignored,
            companion=companion_for(model.phrase, companion),
            check=checking,
            slowed=SlowedLook(model, features) if slowed else None,
        )

    @property
    def companion_name(self) -> str | None:
        """The companion detector's name, if one runs beside the heads."""
        return NAME if self.companion is not None else None

    @property
    def check_name(self) -> str | None:
        """The whisper check's name, if it runs beside the heads."""
        return CHECK_NAME if self.check is not None else None

    @property
    def slowed_name(self) -> str | None:
        """The slowed look's name, if the heads listen twice."""
        return SLOWED_NAME if self.slowed is not None else None

    @property
    def heard_s(self) -> float:
        """Seconds of audio pushed since the last ``reset``."""
        return self._samples / SAMPLE_RATE_HZ

    def reset(self) -> None:
        """Forget the audio heard so far (after waking, so the command is not scored)."""
        self._features.reset()
        self._samples = 0
        self._steps = 0
        self._decision.reset()
        self._companion_quiet_until_s = 0.0
        self._recent.clear()
        self._audio = np.zeros(0, np.float32)
        self._previous = None
        if self.companion is not None:
            self.companion.reset()

    @property
    def pending(self) -> bool:
        """A wake the check decided waits for the detector's peak (``finish`` gives it)."""
        return self._decision.pending

    def finish(self) -> Woke | None:
        """At the end of a stream: the wake the check decided that was still waiting for the
        detector's peak, or the slowed look's where the stream ended on a peak, if any."""
        woke = self._decision.finish()
        if woke is not None or self._previous is None:
            return woke
        last = self._slowed_step(-1.0, self._previous[2], None)  # the peak was the last step
        return last if isinstance(last, Woke) else None

    def push(self, pcm: bytes) -> list[WakeEvent]:
        """Feed 16 kHz mono int16 PCM; get the wakes (and near misses) it completed."""
        return self._push(to_float(pcm), pcm)

    def push_samples(self, samples: Float32Array) -> list[WakeEvent]:
        return self._push(samples, to_pcm(samples) if self.companion is not None else b"")

    def _push(self, samples: Float32Array, pcm: bytes) -> list[WakeEvent]:
        started = time.thread_time()
        events: list[WakeEvent] = []
        windows = self._features.push(samples)
        self._samples += samples.size
        if self.check is not None or self.slowed is not None:
            self._audio = np.concatenate([self._audio, samples.astype(np.float32)])
        # The companion's detections in time order with our steps', so whichever heard the
        # phrase first wakes Jarvis and the other is quiet after it.
        companion = deque(self.companion.push(pcm) if self.companion is not None else ())
        if windows.shape[0]:
            for window, score in zip(windows, self.model.detector.scores(windows), strict=True):
                self._steps += 1
                end_s = self._steps * STEP_SAMPLES / SAMPLE_RATE_HZ
                while companion and companion[0][0] <= end_s:
                    self._add(events, self._companion_step(*companion.popleft()))
                event = self._step(window, float(score), end_s)
                self._add(events, self._slowed_step(float(score), end_s, event))
        while companion:
            self._add(events, self._companion_step(*companion.popleft()))
        self._audio = self._audio[-CHECK_AUDIO_SAMPLES:]
        self.cpu_s += time.thread_time() - started
        return events

    def _add(self, events: list[WakeEvent], event: WakeEvent | None) -> None:
        if event is None:
            return
        if isinstance(event, Woke):
            self._companion_quiet_until_s = event.at_s + REFRACTORY_S
            self._decision.woke_until_s = event.at_s + REFRACTORY_S
        events.append(event)

    def _companion_step(self, at_s: float, probability: float) -> Woke | None:
        """The companion heard the phrase at ``at_s``: a wake, unless Jarvis woke just before
        (or the check's wake waits for the detector's peak)."""
        if at_s < self._companion_quiet_until_s or self._decision.pending:
            return None
        heads = self._decision.decision
        heads.quiet_until_s = max(heads.quiet_until_s, at_s + REFRACTORY_S)
        checked = (
            float(self.model.verifier.scores(np.stack(self._recent)).max()) if self._recent else 0.0
        )
        return Woke(at_s, probability, checked, by=NAME)

    def _step(self, window: WindowArray, score: float, end_s: float) -> WakeEvent | None:
        self._recent = [*self._recent[-(VERIFY_STEPS - 1) :], window]
        enrolled = self.enrolled

        def verified() -> float:
            return float(self.model.verifier.scores(np.stack(self._recent)).max())

        def voice(checked: float) -> str | None:
            return enrolled.match(window, checked) if enrolled is not None else None

        return self._decision.step(end_s, score, verified, voice, self._checked(end_s))

    def _slowed_step(self, score: float, end_s: float, event: WakeEvent | None) -> WakeEvent | None:
        """``event`` (the step's own decision) unless it is none and the step before was a
        detector peak the slowed look hears the phrase in: then a wake at that peak, or, at
        ``strict``, the near miss the check's veto makes of it."""
        previous = self._previous
        self._previous = (score, previous[0] if previous else 0.0, end_s)
        if event is not None or self.slowed is None or previous is None:
            return event
        peak, before, peak_s = previous
        # One look per peak: higher than the step before it, at least as high as the one after.
        if not before < peak >= score or not self.slowed.looks_at(peak):
            return None
        if self._decision.pending:
            return None
        if peak_s < self._decision.decision.quiet_until_s or peak_s < self._decision.woke_until_s:
            return None
        heard = self.slowed.hears(self._audio_until(end_s))
        if heard is None:
            return None
        self._decision.decision.quiet_until_s = peak_s + REFRACTORY_S
        woke = Woke(peak_s, heard.score, heard.verifier_score, by=SLOWED_NAME)
        return self._decision.overruled(woke, self._checked(peak_s)) or woke

    def _audio_until(self, end_s: float) -> Float32Array:
        """The audio kept, up to the end of the step that ends at ``end_s``."""
        # The step's audio ends this many samples before the newest heard (pending features).
        behind = self._samples - round(end_s * SAMPLE_RATE_HZ)
        return self._audio[: self._audio.size - behind] if behind > 0 else self._audio

    def _checked(self, end_s: float) -> Callable[[], float]:
        """The whisper check's probability for the 2 s ending at the step that ends at
        ``end_s`` (asked only when the decision needs it)."""

        def probability() -> float:
            assert self.check is not None
            audio = self._audio_until(end_s)
            thread, process = time.thread_time(), time.process_time()
            checked = self.check.probability(audio)
            # The encoder computes in threads of its own: count them too (push counts this one).
            self.cpu_s += max(0.0, (time.process_time() - process) - (time.thread_time() - thread))
            return checked

        return probability

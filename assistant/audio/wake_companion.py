"""A second, independent "hey jarvis" detector beside our heads: ESPHome's microWakeWord.

Our heads were trained on espeak-ng's and piper's voices only, and miss voice families they never
heard (flite's, Kokoro's neural voices: see the README's wake word figures). microWakeWord's
``hey_jarvis`` (Kevin Ahrendt's, Apache-2.0, weights inside the ``pymicro-wakeword`` wheel) was
trained on large sets of neural TTS voices: it hardly hears espeak-ng's, but it hears many of the
phrases ours misses in those families, and almost never wakes on anything else (no false wake
in the bench's 121 minutes of other speech, near misses 0-7%). Jarvis wakes when either fires.
It costs ~0.2% of a core and 3 MB.

It exists only for the default phrase; a phrase trained with ``just train-wake-word`` has no
companion. ``JARVIS_WAKE_COMPANION=false`` turns it off.
"""

from __future__ import annotations

from typing import Any

import structlog

log = structlog.get_logger(__name__)

NAME = "microWakeWord"
PHRASE = "hey jarvis"
FRAME_S = 0.01
"""microWakeWord's feature frames are 10 ms apart."""


class WakeCompanion:
    """Streams PCM through microWakeWord's own features and model; reports where (seconds since
    its reset) the mean of its last few probabilities reached the model's cutoff. Synchronous,
    like ``WakeWordDetector``, which owns it, calls it from the same thread and keeps one wake
    per ``REFRACTORY_S`` (the model runs every third frame, and a phrase stays over the cutoff
    for several)."""

    def __init__(self, model: Any, features: Any) -> None:
        self._model = model
        self._features = features
        self.cutoff = float(model.probability_cutoff)
        self._frames = 0

    @classmethod
    def load(cls) -> WakeCompanion | None:
        """microWakeWord's "hey jarvis", or ``None`` (logged) where ``pymicro-wakeword`` is not
        installed or its TFLite library does not load on this machine."""
        try:
            from pymicro_wakeword import MicroWakeWord, MicroWakeWordFeatures, Model

            return cls(MicroWakeWord.from_builtin(Model.HEY_JARVIS), MicroWakeWordFeatures())
        except (ImportError, OSError, ValueError) as error:
            log.warning("wake.companion_unavailable", companion=NAME, error=str(error))
            return None

    def reset(self) -> None:
        self._model.reset()
        self._features.reset()
        self._frames = 0

    def probabilities(self, pcm: bytes) -> list[float]:
        """Feed 16 kHz mono int16 PCM; get the probability of each frame it completed: the mean
        of the model's last few outputs that its cutoff is meant for (0 until that window has
        filled; the model runs every third frame)."""
        probabilities = [
            float(self._model.process_streaming_prob(frame) or 0.0)
            for frame in self._features.process_streaming(pcm)
        ]
        self._frames += len(probabilities)
        return probabilities

    def push(self, pcm: bytes) -> list[tuple[float, float]]:
        """Feed 16 kHz mono int16 PCM; get (seconds since reset, probability) for each frame it
        completed at or over the cutoff."""
        first = self._frames + 1
        return [
            ((first + i) * FRAME_S, probability)
            for i, probability in enumerate(self.probabilities(pcm))
            if probability >= self.cutoff
        ]


def companion_for(phrase: str, wanted: bool = True) -> WakeCompanion | None:
    """The companion for ``phrase``, if it has one and it is ``wanted``."""
    if not wanted or phrase.strip().lower() != PHRASE:
        return None
    return WakeCompanion.load()

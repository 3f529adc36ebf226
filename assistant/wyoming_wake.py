"""The wake word over Wyoming: the model shared by every connection and satellite, and one
``Detect`` exchange's stream.

Home Assistant (or any Wyoming client) sends ``Detect``, then ``AudioStart``, ``AudioChunk``…:
each connection gets its own :class:`~assistant.audio.wake_word.WakeWordDetector` (its own
streaming state) over the one loaded model, fed in 80 ms batches in a worker thread so the event
loop stays free. A detection is answered at once with ``Detection`` (the model's name and where
in the stream the phrase ended); ``AudioStop`` without one gets ``NotDetected``. As on the local
microphone, the detector keeps no text, and no audio beyond the last two seconds, in memory, for
the whisper check (``wake_check``) and the slowed look (``wake_slowed``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.audio.openwakeword_features import FeatureModels
from assistant.audio.wake_check import WakeCheck
from assistant.audio.wake_companion import companion_for
from assistant.audio.wake_word import (
    EnrolledVoices,
    WakeWordDetector,
    WakeWordModel,
    Woke,
    load_enrolled,
    resolve_model_path,
)
from assistant.wake_gate import BATCH_BYTES
from models.settings import WakeSensitivity

if TYPE_CHECKING:
    from assistant.audio.wake_slowed import SlowedLook


def model_name(model: WakeWordModel) -> str:
    """A wake word's name in ``Info`` and ``Detection``: its file's stem (``hey_jarvis``)."""
    return model.path.stem


class SharedWake:
    """The wake word's heads (read at start-up: they are small) and the feature models (loaded
    on first use, once); every stream gets a detector of its own over them, and its own
    companion detector where the phrase has one (``wake_companion``)."""

    def __init__(
        self,
        model: WakeWordModel,
        enrolled: EnrolledVoices | None = None,
        *,
        companion: bool = True,
        check: bool = True,
        slowed: bool = True,
    ) -> None:
        self.model = model
        self.enrolled = enrolled
        self.companion = companion
        self.check = check
        self.slowed = slowed
        self._features: FeatureModels | None = None
        self._check: WakeCheck | None = None
        """One whisper check for every stream (its encoder is thread-safe), loaded with the
        features."""
        self._slowed: SlowedLook | None = None
        """One slowed look for every stream (it keeps no state), made with the features."""
        self._lock = asyncio.Lock()

    @classmethod
    async def load(
        cls,
        setting: str,
        sensitivity: WakeSensitivity = "normal",
        data_dir: Path | None = None,
        *,
        companion: bool = True,
        check: bool = True,
        slowed: bool = True,
    ) -> SharedWake:
        """``JARVIS_WAKE_WORD``'s model at ``JARVIS_WAKE_SENSITIVITY``, with the voices enrolled
        in ``data_dir``; ``ModelNotFoundError`` names what exists."""
        model = await asyncio.to_thread(
            lambda: WakeWordModel.load(resolve_model_path(setting), sensitivity)
        )
        enrolled = await asyncio.to_thread(load_enrolled, model, data_dir)
        return cls(model, enrolled, companion=companion, check=check, slowed=slowed)

    @property
    def name(self) -> str:
        return model_name(self.model)

    @property
    def phrase(self) -> str:
        return self.model.phrase

    def answers_to(self, names: list[str] | None) -> bool:
        """Whether a ``Detect`` asking for ``names`` (none: any) asks for this model."""
        if not names:
            return True
        wanted = {name.strip().lower().replace(" ", "_") for name in names}
        return self.name.lower() in wanted

    async def detector(self) -> WakeWordDetector:
        async with self._lock:
            if self._features is None:
                self._features = await asyncio.to_thread(FeatureModels.load)
                self._check = await asyncio.to_thread(WakeCheck.for_model, self.model, self.check)
                self._slowed = await asyncio.to_thread(self._slowed_look, self._features)
        companion = await asyncio.to_thread(companion_for, self.model.phrase, self.companion)
        return WakeWordDetector(
            self.model,
            self._features,
            self.enrolled,
            companion=companion,
            check=self._check,
            slowed=self._slowed,
        )

    def _slowed_look(self, features: FeatureModels) -> SlowedLook | None:
        if not self.slowed:
            return None
        # In a worker thread: the look resamples with scipy, whose import takes seconds.
        from assistant.audio.wake_slowed import SlowedLook

        return SlowedLook(self.model, features)


class WakeStream:
    """One ``Detect`` … ``AudioStop`` exchange: 16 kHz PCM in, the first wake out."""

    def __init__(self, detector: WakeWordDetector) -> None:
        self._detector = detector
        self._detector.reset()
        self._pending = b""
        self._start_ms: int | None = None
        self.detected = False

    async def push(self, pcm: bytes, timestamp_ms: int | None = None) -> Woke | None:
        """Feed a chunk (``timestamp_ms``: the client's clock for it, if it sent one); the wake
        it completed, if any. The detector keeps listening after a wake (a long stream may wake
        Jarvis again once its refractory time has passed)."""
        if self._start_ms is None:
            self._start_ms = timestamp_ms or 0
        self._pending += pcm
        if len(self._pending) < BATCH_BYTES:
            return None
        batch, self._pending = self._pending, b""
        for event in await asyncio.to_thread(self._detector.push, batch):
            if isinstance(event, Woke):
                self.detected = True
                return event
        return None

    async def finish(self) -> Woke | None:
        """At ``AudioStop``: the last partial batch heard, and a wake still waiting for the
        detector's peak (``WakeWordDetector.finish``); ``None`` after a detection."""
        batch, self._pending = self._pending, b""
        events = await asyncio.to_thread(self._detector.push, batch) if batch else []
        woke = next((e for e in events if isinstance(e, Woke)), None) or self._detector.finish()
        if self.detected or woke is None:
            return None
        self.detected = True
        return woke

    def timestamp_ms(self, woke: Woke) -> int:
        """Where the phrase ended, on the client's clock (milliseconds from its first chunk's
        timestamp, or from the start of the stream when it sent none)."""
        return (self._start_ms or 0) + round(woke.at_s * 1000)

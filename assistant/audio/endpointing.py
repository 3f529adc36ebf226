"""End of speech, detected from the audio itself: a VAD with hysteresis and a trailing-silence rule.

The endpointer is pure and synchronous (feed bytes, get events), so the voice loop, ``jarvis
listen`` and the tests drive the very same state machine. The detector behind it is Silero VAD
(the ONNX model faster-whisper ships) or, where onnxruntime is missing, a plain energy gate.

A VAD says *someone* speaks, not *who*: with a television or two people talking in the room it
never hears silence, and an utterance would only end at ``max_utterance_s``. So the endpointer
follows the speaker: once it knows how loud the person talking to Jarvis is (the wake word's
level, given by the caller, or the first second of the utterance), speech much quieter than
that person no longer keeps the utterance open.
"""

from __future__ import annotations

import importlib.util
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES, Float32Array, to_float
from assistant.errors import ModelNotFoundError


class SpeechDetector(Protocol):
    """Says how likely one fixed-size chunk of 16 kHz audio is speech."""

    chunk_samples: int

    def probability(self, chunk: Float32Array) -> float: ...

    def reset(self) -> None: ...


class EnergyDetector:
    """Loudness as speech: fine for clean input and tests, fooled by any steady noise."""

    chunk_samples = 320  # 20 ms

    def __init__(self, threshold_dbfs: float = -40.0):
        self._threshold_dbfs = threshold_dbfs

    def probability(self, chunk: Float32Array) -> float:
        rms = float(np.sqrt(np.mean(np.square(chunk, dtype=np.float64)))) + 1e-12
        return 1.0 if 20 * np.log10(rms) >= self._threshold_dbfs else 0.0

    def reset(self) -> None:
        pass


def silero_model_path() -> Path:
    """The Silero VAD model inside the installed faster-whisper, found without importing it."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "Silero VAD needs the faster-whisper package (pip install .[edge])"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    if not path.is_file():
        raise ModelNotFoundError(f"Silero VAD model missing at {path}")
    return path


class SileroDetector:
    """Silero VAD v6, streamed: 32 ms chunks, the recurrent state carried from chunk to chunk."""

    chunk_samples = 512
    _CONTEXT_SAMPLES = 64

    def __init__(self, session: Any):
        self._session = session
        self.reset()

    @classmethod
    def load(cls, path: Path | None = None) -> SileroDetector:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread: the detector runs every 32 ms next to a recognizer on a 2-core machine.
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        session = onnxruntime.InferenceSession(
            str(path or silero_model_path()),
            providers=["CPUExecutionProvider"],
            sess_options=options,
        )
        return cls(session)

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self._CONTEXT_SAMPLES, dtype=np.float32)

    def probability(self, chunk: Float32Array) -> float:
        window = np.concatenate([self._context, chunk]).reshape(1, -1).astype(np.float32)
        probs, self._h, self._c = self._session.run(
            None, {"input": window, "h": self._h, "c": self._c}
        )
        self._context = chunk[-self._CONTEXT_SAMPLES :]
        return float(probs.reshape(-1)[0])


def load_detector() -> SpeechDetector:
    """Silero when onnxruntime and the model are there, else the energy gate."""
    try:
        return SileroDetector.load()
    except (ImportError, ModelNotFoundError):
        return EnergyDetector()


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    trailing_silence_ms: int = 600
    """Silence after speech that ends an utterance; shorter cuts people off mid-pause."""
    lead_padding_ms: int = 500
    """Audio kept before the first speech chunk: soft onsets, and vosk's online feature
    normalisation, which misheard short phrases given less than ~0.5 s of silence before them."""
    trail_padding_ms: int = 200
    """Audio kept after the last speech chunk (final stops and fricatives)."""
    min_speech_ms: int = 90
    """Speech that must run unbroken before an utterance starts, so clicks do not start one."""
    max_utterance_s: float = 20.0
    """An utterance is cut here even if the speaker never pauses (a noisy room)."""
    threshold: float = 0.5
    """Speech probability that counts as speech; it must fall 0.15 below to count as silence."""
    follow_speaker: bool = True
    """Count only speech about as loud as the speaker's as speech (see the module's docstring)."""
    follow_margin_db: tuple[float, float] = (6.0, 12.0)
    """How far below the speaker's level speech still counts as theirs: a third of the way from
    the speaker down to the room's floor, within these bounds. 6 dB still ends 97% of commands
    within 1.5 s in 10 dB babble; 12 dB keeps soft word endings in a quiet room."""
    learn_speaker_ms: int = 1000
    """Without a given level, the speaker's is learnt from this much of the utterance's speech."""


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    pcm: bytes
    """The padding before speech and the speech so far: feed it to the recognizer first."""


@dataclass(frozen=True, slots=True)
class SpeechAudio:
    pcm: bytes
    """More audio of the utterance in progress (speech, or silence that may end it)."""


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    pcm: bytes
    """The whole utterance with leading and trailing silence trimmed to the padding."""


EndpointEvent = SpeechStarted | SpeechAudio | SpeechEnded

LEVEL_SMOOTHING_MS = 160
"""Chunk levels are averaged over this long: one 32 ms chunk of babble swings by ±6 dB."""
FLOOR_WINDOW_S = 3.0
FLOOR_PERCENTILE = 20
"""The room's floor: this percentile of the smoothed levels of the last ``FLOOR_WINDOW_S``."""
FLOOR_KNOWN_S = 1.5
"""Until this much of the stream is heard, the floor measured with the wake word is used."""
SPEAKER_PERCENTILE = 90
"""A speaker's level: this percentile of the smoothed levels of their speech (the vowels)."""
QUIETEST_DBFS = -70.0
"""No microphone is quieter than this; digital silence (a file, a test) counts as it."""


@dataclass(frozen=True, slots=True)
class RoomLevels:
    """How loud the person talking to Jarvis is, and how loud the room is under them."""

    speaker_dbfs: float
    floor_dbfs: float


def _smoothed_levels(power: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    smoothed = (
        np.convolve(power, np.ones(width) / width, mode="valid") if power.size >= width else power
    )
    return np.asarray(10 * np.log10(np.maximum(smoothed, 10 ** (QUIETEST_DBFS / 10))))


def room_levels(pcm: bytes, chunk_samples: int = 512) -> RoomLevels | None:
    """The speaker's and the room's level in ``pcm`` (the wake phrase), measured as the
    endpointer measures them; ``None`` when it holds no sound. Two numbers: no audio is kept."""
    samples = to_float(pcm)
    count = samples.size // chunk_samples
    if count == 0:
        return None
    frames = samples[: count * chunk_samples].reshape(count, -1)
    power = np.mean(np.square(frames, dtype=np.float64), axis=1)
    levels = _smoothed_levels(
        power, max(1, round(LEVEL_SMOOTHING_MS * SAMPLE_RATE_HZ / 1000 / chunk_samples))
    )
    speaker = float(np.percentile(levels, SPEAKER_PERCENTILE))
    if speaker <= QUIETEST_DBFS:
        return None
    return RoomLevels(speaker, float(np.percentile(levels, FLOOR_PERCENTILE)))


class Endpointer:
    """Turns a stream of PCM into utterance start, audio and end events."""

    def __init__(self, detector: SpeechDetector, settings: EndpointSettings | None = None):
        self._detector = detector
        self._detector.reset()  # a detector may have heard another stream before this one
        self._settings = settings or EndpointSettings()
        chunk_ms = 1000 * detector.chunk_samples / SAMPLE_RATE_HZ
        self._chunk_bytes = detector.chunk_samples * SAMPLE_WIDTH_BYTES
        self._start_chunks = max(1, round(self._settings.min_speech_ms / chunk_ms))
        self._end_chunks = max(1, round(self._settings.trailing_silence_ms / chunk_ms))
        self._lead_chunks = round(self._settings.lead_padding_ms / chunk_ms)
        self._trail_chunks = round(self._settings.trail_padding_ms / chunk_ms)
        self._max_chunks = round(self._settings.max_utterance_s * 1000 / chunk_ms)
        self._smoothing_chunks = max(1, round(LEVEL_SMOOTHING_MS / chunk_ms))
        self._floor_chunks = max(1, round(FLOOR_WINDOW_S * 1000 / chunk_ms))
        self._learn_chunks = max(1, round(self._settings.learn_speaker_ms / chunk_ms))
        self._known_floor_chunks = max(1, round(FLOOR_KNOWN_S * 1000 / chunk_ms))
        self._given: RoomLevels | None = None
        self.reset()

    def reset(self) -> None:
        """Forget everything heard: a new stretch of audio starts (after the wake word). The
        speaker's level given by ``follow`` is forgotten too."""
        self._detector.reset()
        self._pending = b""
        self._history: deque[bytes] = deque(maxlen=self._lead_chunks + self._start_chunks)
        self._speech_run = 0
        self._utterance: list[bytes] | None = None
        self._last_speech = 0
        self._chunks_heard = 0
        self._last_speech_heard = 0
        self._in_speech = False
        self._given = None
        self._recent_power: deque[float] = deque(maxlen=self._smoothing_chunks)
        self._recent_levels: deque[float] = deque(maxlen=self._floor_chunks)
        self._utterance_levels: list[float] = []

    def follow(self, levels: RoomLevels | None) -> None:
        """Follow the speaker (the one who said the wake word) measured in ``levels`` from now
        on, until ``reset``; ``None`` learns the speaker from each utterance instead."""
        self._given = levels

    @property
    def speaker_dbfs(self) -> float | None:
        """The level of the speaker being followed, once known."""
        if self._given is not None:
            return self._given.speaker_dbfs
        if len(self._utterance_levels) < self._smoothing_chunks:
            return None
        return float(np.percentile(self._utterance_levels, SPEAKER_PERCENTILE))

    @property
    def last_speech_s(self) -> float:
        """Where the last speech (the followed speaker's) ended, in seconds of audio heard since
        ``reset``."""
        return self._last_speech_heard * self._chunk_bytes / SAMPLE_WIDTH_BYTES / SAMPLE_RATE_HZ

    @property
    def in_speech(self) -> bool:
        """Whether an utterance has started and not yet ended."""
        return self._utterance is not None

    def push(self, pcm: bytes) -> list[EndpointEvent]:
        """Feed audio of any length; get the events it completes, in order."""
        self._pending += pcm
        events: list[EndpointEvent] = []
        while len(self._pending) >= self._chunk_bytes:
            chunk, self._pending = (
                self._pending[: self._chunk_bytes],
                self._pending[self._chunk_bytes :],
            )
            self._chunks_heard += 1
            speech = self._is_speech(chunk)
            if speech:
                self._last_speech_heard = self._chunks_heard
            event = self._step(chunk, speech)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> SpeechEnded | None:
        """The stream ended: close the utterance in progress, if any."""
        if self._utterance is not None and self._pending:
            self._utterance.append(self._pending)
        self._pending = b""
        return self._end() if self._utterance is not None else None

    def _is_speech(self, chunk: bytes) -> bool:
        samples = to_float(chunk)
        probability = self._detector.probability(samples)
        if self._in_speech:  # hysteresis: harder to leave speech than to enter it
            self._in_speech = probability >= self._settings.threshold - 0.15
        else:
            self._in_speech = probability >= self._settings.threshold
        if not self._settings.follow_speaker:
            return self._in_speech
        self._recent_power.append(float(np.mean(np.square(samples, dtype=np.float64))))
        power = sum(self._recent_power) / len(self._recent_power)
        level = max(QUIETEST_DBFS, 10 * math.log10(power) if power > 0 else QUIETEST_DBFS)
        self._recent_levels.append(level)
        if not self._in_speech:
            return False
        if self._utterance is not None and len(self._utterance_levels) < self._learn_chunks:
            self._utterance_levels.append(level)
        return self._loud_enough(level)

    def _loud_enough(self, level: float) -> bool:
        """Whether speech at ``level`` is the followed speaker's, not quieter talk behind them."""
        speaker = self.speaker_dbfs
        if speaker is None:
            return True
        if self._given is not None and len(self._recent_levels) < self._known_floor_chunks:
            floor = self._given.floor_dbfs
        elif len(self._recent_levels) >= self._smoothing_chunks:
            floor = float(np.percentile(self._recent_levels, FLOOR_PERCENTILE))
        else:
            return True  # too little heard to tell the speaker from the room
        low, high = self._settings.follow_margin_db
        margin = min(high, max(low, (speaker - floor) / 3))
        return level >= speaker - margin

    def _step(self, chunk: bytes, speech: bool) -> EndpointEvent | None:
        if self._utterance is None:
            self._history.append(chunk)
            self._speech_run = self._speech_run + 1 if speech else 0
            if self._speech_run < self._start_chunks:
                return None
            self._utterance = list(self._history)
            self._last_speech = len(self._utterance)
            return SpeechStarted(b"".join(self._utterance))
        self._utterance.append(chunk)
        if speech:
            self._last_speech = len(self._utterance)
        silent_chunks = len(self._utterance) - self._last_speech
        if silent_chunks >= self._end_chunks or len(self._utterance) >= self._max_chunks:
            return self._end()
        return SpeechAudio(chunk)

    def _end(self) -> SpeechEnded:
        assert self._utterance is not None
        kept = self._utterance[: self._last_speech + self._trail_chunks]
        # What came after this speech is the lead of whatever is said next: cleared, an utterance
        # begun within a second of this one ("hey jarvis", a pause, the command) got less than
        # ``lead_padding_ms`` of it.
        self._history.clear()
        self._history.extend(self._utterance[self._last_speech :])
        self._utterance = None
        self._speech_run = 0
        self._utterance_levels = []
        return SpeechEnded(b"".join(kept))


def speech_span(
    pcm: bytes, detector: SpeechDetector, settings: EndpointSettings | None = None
) -> tuple[int, int] | None:
    """Byte offsets in ``pcm`` from its first speech less the lead padding to its last speech
    plus the trailing padding; ``None`` when nothing is speech. The span runs before 0 or past
    the end where the recording has less silence around its speech than the padding."""
    settings = settings or EndpointSettings()
    detector.reset()
    chunk_bytes = detector.chunk_samples * SAMPLE_WIDTH_BYTES
    speech = [
        start
        for start in range(0, len(pcm) - chunk_bytes + 1, chunk_bytes)
        if detector.probability(to_float(pcm[start : start + chunk_bytes])) >= settings.threshold
    ]
    detector.reset()
    if not speech:
        return None
    start = speech[0] - _bytes(settings.lead_padding_ms)
    return start, speech[-1] + chunk_bytes + _bytes(settings.trail_padding_ms)


BEGINS_ON_SPEECH_MS = 150
"""Speech found this close to a recording's start means the recording was cut at its first word:
Silero finds an onset a chunk or three (32 ms each) after it begins."""


def trim_silence(
    pcm: bytes, detector: SpeechDetector, settings: EndpointSettings | None = None
) -> bytes:
    """``pcm`` from its first to its last speech, with padding; empty when nothing is speech.

    A recording cut at its first word (``BEGINS_ON_SPEECH_MS``) gets the lead padding as
    silence, as a microphone would have heard it: whisper mishears a first word that starts at
    the first sample ("one time a minute." for espeak-ng's "what time is it"; ``bench/speech.py``,
    "clips cut at their first word"). Only then: put before the room's own noise (the room
    bench's commands, 0.3 s into their recordings), silence cost whisper 11 to 15 of 198
    commands at 10 dB SNR, and vosk misheard more of its Korean phrases after 0.3 s of silence
    made 0.5 s."""
    settings = settings or EndpointSettings()
    span = speech_span(pcm, detector, settings)
    if span is None:
        return b""
    start, end = span
    lead_bytes = _bytes(settings.lead_padding_ms)
    cut_at_speech = start + lead_bytes < _bytes(BEGINS_ON_SPEECH_MS)
    silence = bytes(max(0, -start)) if cut_at_speech else b""
    return silence + pcm[max(0, start) : end]


def _bytes(ms: int) -> int:
    return round(ms * SAMPLE_RATE_HZ / 1000) * SAMPLE_WIDTH_BYTES

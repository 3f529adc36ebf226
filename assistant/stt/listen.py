"""Hearing one utterance: endpointing, recognition and interpretation, timed.

Shared by ``jarvis listen``, the voice loop and the benchmark, so all three measure the same
thing. *End of speech* is the moment the endpoint is known: the endpointer's decision on live
audio, the last speech frame of a file. Everything after it is what the user waits for.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES, duration_s
from assistant.audio.endpointing import (
    Endpointer,
    SpeechDetector,
    SpeechEnded,
    SpeechStarted,
    trim_silence,
)
from assistant.stt import Recognition, Recognizer, Transcript
from models import Intent

Interpret = Callable[[str], Intent | None]


@dataclass(frozen=True, slots=True)
class Heard:
    transcript: Transcript
    intent: Intent | None
    audio_s: float
    """Seconds of audio the utterance came from (the input, before trimming)."""
    end_of_speech_to_intent_ms: float
    ended_at: float
    """``time.perf_counter()`` at the end of speech, for later latencies (first reply audio)."""
    partials: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``jarvis listen --json`` contract."""
        return {
            "transcript": self.transcript.text,
            "intent": self.intent.name if self.intent else None,
            "slots": dict(self.intent.slots) if self.intent else {},
            "handled_by": "edge" if self.intent else "cloud",
            "stt_engine": self.transcript.engine,
            "audio_s": round(self.audio_s, 3),
            "stt_ms": round(self.transcript.stt_ms, 3),
            "end_of_speech_to_intent_ms": round(self.end_of_speech_to_intent_ms, 3),
        }


class _Partials:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def add(self, text: str) -> None:
        if text and (not self.seen or self.seen[-1] != text):
            self.seen.append(text)


async def _conclude(
    recognition: Recognition, interpret: Interpret, audio_s: float, partials: _Partials
) -> Heard:
    ended_at = time.perf_counter()
    transcript = await recognition.finish()
    intent = interpret(transcript.text)
    elapsed_ms = (time.perf_counter() - ended_at) * 1000
    return Heard(transcript, intent, audio_s, elapsed_ms, ended_at, partials.seen)


async def hear_recording(
    pcm: bytes,
    recognizer: Recognizer,
    detector: SpeechDetector,
    interpret: Interpret,
    *,
    said_first: str = "",
) -> Heard:
    """One recording (a WAV) as one utterance: silence trimmed, streamed, finished at its end.
    ``said_first``: words it is known to begin with (``Recognizer.begin``)."""
    speech = trim_silence(pcm, detector)
    partials = _Partials()
    recognition = await recognizer.begin(said_first=said_first)
    for start in range(0, len(speech), FRAME_BYTES):
        partials.add((await recognition.feed(speech[start : start + FRAME_BYTES])).text)
    return await _conclude(recognition, interpret, duration_s(pcm), partials)


async def hear_next(
    frames: AsyncIterator[bytes],
    recognizer: Recognizer,
    endpointer: Endpointer,
    interpret: Interpret,
    *,
    on_speech_start: Callable[[], None] | None = None,
    said_first: str = "",
    keep: Callable[[], bool] | None = None,
) -> Heard | None:
    """The next utterance from a live stream; ``None`` when the stream ends in silence.

    The utterance ends at the endpointer's trailing silence or at the recognizer's own endpoint,
    whichever comes first. ``said_first``: words it is known to begin with
    (``Recognizer.begin``). ``keep``, asked when it ends: false drops it unrecognized (an empty
    transcript, no intent).
    """
    recognition: Recognition | None = None
    partials = _Partials()
    utterance_bytes = 0

    async def conclude(recognition: Recognition) -> Heard:
        if keep is not None and not keep():
            unheard = Transcript("", recognizer.name, 0.0, stt_ms=0.0, finish_ms=0.0)
            return Heard(unheard, None, _seconds(utterance_bytes), 0.0, time.perf_counter())
        return await _conclude(recognition, interpret, _seconds(utterance_bytes), partials)

    async for frame in frames:
        for event in endpointer.push(frame):
            if isinstance(event, SpeechStarted):
                if on_speech_start:
                    on_speech_start()
                recognition = await recognizer.begin(said_first=said_first)
            if recognition is None:
                continue
            utterance_bytes += len(event.pcm) if not isinstance(event, SpeechEnded) else 0
            if isinstance(event, SpeechEnded):
                return await conclude(recognition)
            partial = await recognition.feed(event.pcm)
            partials.add(partial.text)
            if partial.endpoint:  # the recognizer heard the end first
                endpointer.flush()
                return await conclude(recognition)
    if endpointer.flush() is not None and recognition is not None:
        return await conclude(recognition)
    return None


def _seconds(pcm_bytes: int) -> float:
    return pcm_bytes / (SAMPLE_WIDTH_BYTES * SAMPLE_RATE_HZ)

"""Speech to text: the ``Recognizer`` port and the result every engine returns.

Two kinds of engines sit behind one port. Streaming ones (vosk) decode while the user speaks, so
the text is ready milliseconds after the endpoint; batch ones (faster-whisper) buffer the audio and
decode it all at the end. Both are driven the same way: ``begin()``, ``feed()`` per frame,
``finish()`` at the endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from assistant.audio import FRAME_BYTES
from understanding.doubted_words import doubted


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    engine: str
    """Which engine produced ``text``: ``vosk-grammar``, ``vosk`` or ``whisper``."""
    confidence: float
    """0–1; vosk's mean word confidence, whisper's mean token probability."""
    stt_ms: float
    """Compute time spent recognizing this utterance, all frames and the final decode together."""
    finish_ms: float
    """Of which after the endpoint: what the user waits for."""


def words_doubted(transcript: Transcript, *, after_wake: bool = False) -> bool:
    """Whether whisper doubted the words it wrote (its mean token probability under the line
    ``understanding.doubted_words`` draws; ``after_wake``: it was told the wake phrase came
    first). Never for vosk, whose word confidences are on another scale."""
    return transcript.engine == "whisper" and doubted(transcript.confidence, after_wake=after_wake)


@dataclass(frozen=True, slots=True)
class Partial:
    text: str
    """The best guess so far (empty for engines that do not stream)."""
    endpoint: bool = False
    """The engine itself heard the utterance end (vosk's own endpointer)."""


class Recognition(Protocol):
    """One utterance being recognized."""

    async def feed(self, pcm: bytes) -> Partial:
        """Add 16 kHz mono int16 audio; returns the partial result, without blocking the loop."""
        ...

    async def finish(self) -> Transcript:
        """The audio has ended: the final transcript."""
        ...


class Recognizer(Protocol):
    """A loaded speech model; loading happens once, before the first ``begin``."""

    name: str

    async def begin(self, *, said_first: str = "") -> Recognition:
        """One utterance. ``said_first``: words known to open it (the wake phrase just heard).
        A recognizer that can be told them (whisper, as its decoder's first words) transcribes
        what follows them; others ignore it. The transcript may hold them or not."""
        ...

    async def close(self) -> None: ...


async def recognize(recognizer: Recognizer, pcm: bytes, *, said_first: str = "") -> Transcript:
    """Stream ``pcm`` through ``recognizer`` frame by frame, as a microphone would, and finish."""
    recognition = await recognizer.begin(said_first=said_first)
    for start in range(0, len(pcm), FRAME_BYTES):
        await recognition.feed(pcm[start : start + FRAME_BYTES])
    return await recognition.finish()

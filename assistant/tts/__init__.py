"""Text to speech: the ``Speaker`` and ``AudioPlayer`` ports, and the audio passed between them.

A speaker turns text into audio sentence by sentence, so the first sentence plays while the rest
is still being synthesized; a player sends audio to a sound device or a WAV file. Cancelling a
``play`` stops the sound at once: that is how speech is interrupted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Speech:
    pcm: bytes
    """Mono signed 16-bit little-endian samples."""
    sample_rate_hz: int


class Speaker(Protocol):
    name: str

    def synthesize(self, text: str) -> AsyncIterator[Speech]:
        """The audio of ``text``, one chunk per sentence, synthesized off the event loop."""
        ...

    async def close(self) -> None: ...


class AudioPlayer(Protocol):
    async def play(self, speech: Speech) -> None:
        """Play ``speech`` to the end; cancelling stops the sound immediately."""
        ...

    async def close(self) -> None: ...


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """``text`` split after each sentence's final punctuation, blanks dropped."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]

"""A fault injected around a real recognizer: whisper cannot be made to fail on demand."""

from __future__ import annotations

from assistant.stt import Recognition
from assistant.stt.whisper_recognizer import WhisperRecognizer


class FailsOn:
    """Whisper, except that the utterances numbered in ``failing`` (from 1) fail as a decoder
    out of memory would."""

    def __init__(self, whisper: WhisperRecognizer, failing: frozenset[int]) -> None:
        self._whisper = whisper
        self._failing = failing
        self.name = whisper.name
        self.begun = 0

    async def begin(self, *, said_first: str = "") -> Recognition:
        self.begun += 1
        if self.begun in self._failing:
            raise RuntimeError("CTranslate2: out of memory")
        return await self._whisper.begin(said_first=said_first)

    async def close(self) -> None:
        pass


class FailsOnce(FailsOn):
    """Whisper, except that its first utterance fails."""

    def __init__(self, whisper: WhisperRecognizer) -> None:
        super().__init__(whisper, frozenset({1}))

"""A fault injected around a real recognizer: whisper cannot be made to fail on demand."""

from __future__ import annotations

from assistant.stt import Recognition
from assistant.stt.whisper_recognizer import WhisperRecognizer


class FailsOnce:
    """Whisper, except that its first utterance fails as a decoder out of memory would."""

    def __init__(self, whisper: WhisperRecognizer) -> None:
        self._whisper = whisper
        self.name = whisper.name
        self.begun = 0

    async def begin(self, *, said_first: str = "") -> Recognition:
        self.begun += 1
        if self.begun == 1:
            raise RuntimeError("CTranslate2: out of memory")
        return await self._whisper.begin(said_first=said_first)

    async def close(self) -> None:
        pass

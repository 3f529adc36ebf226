"""The ``auto`` policy, and building the recognizer a setting asks for.

``auto``: the vosk grammar hears every utterance first (its text is ready milliseconds after the
endpoint); only when that text is not a confident local command does the same audio go to
whisper. Without a vosk model for the language, whisper alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import structlog

from assistant.errors import ModelNotFoundError
from assistant.stt import Partial, Recognition, Recognizer, Transcript
from assistant.stt.model_paths import resolve_model

log = structlog.get_logger(__name__)

EngineChoice = Literal["auto", "vosk", "vosk-free", "whisper"]
ENGINE_CHOICES: tuple[EngineChoice, ...] = ("auto", "vosk", "vosk-free", "whisper")
MIN_GRAMMAR_CONFIDENCE = 0.75
"""Mean word confidence below which a grammar result is treated as a forced guess."""


class AutoRecognizer:
    """Implements ``Recognizer``: a fast grammar recognizer, with a free-form one behind it."""

    name = "auto"

    def __init__(
        self,
        fast: Recognizer | None,
        free: Recognizer | None,
        understands: Callable[[str], bool],
        *,
        min_confidence: float = MIN_GRAMMAR_CONFIDENCE,
    ):
        if fast is None and free is None:
            raise ValueError("auto needs at least one recognizer")
        self._fast = fast
        self._free = free
        self._understands = understands
        self._min_confidence = min_confidence

    def trusts(self, transcript: Transcript) -> bool:
        """Whether the fast result is a confident local command (else ask the free recognizer)."""
        return (
            bool(transcript.text)
            and transcript.confidence >= self._min_confidence
            and self._understands(transcript.text)
        )

    async def begin(self, *, said_first: str = "") -> AutoRecognition:
        fast = await self._fast.begin(said_first=said_first) if self._fast else None
        return AutoRecognition(self, fast, said_first)

    async def second_opinion(
        self, pcm: bytes, first: Transcript | None, *, said_first: str = ""
    ) -> Transcript:
        if self._free is None:
            assert first is not None
            return first
        recognition = await self._free.begin(said_first=said_first)
        await recognition.feed(pcm)
        found = await recognition.finish()
        if first is None:
            return found
        log.debug("stt.auto_fallback", grammar_text=first.text, confidence=first.confidence)
        return Transcript(
            found.text,
            found.engine,
            found.confidence,
            stt_ms=first.stt_ms + found.stt_ms,
            finish_ms=first.finish_ms + found.finish_ms,
        )

    async def close(self) -> None:
        for recognizer in (self._fast, self._free):
            if recognizer is not None:
                await recognizer.close()


class AutoRecognition:
    def __init__(self, owner: AutoRecognizer, fast: Recognition | None, said_first: str = ""):
        self._owner = owner
        self._fast = fast
        self._said_first = said_first
        self._audio = bytearray()  # kept for whisper, in case the grammar result is not trusted

    async def feed(self, pcm: bytes) -> Partial:
        self._audio += pcm
        return await self._fast.feed(pcm) if self._fast else Partial("")

    async def finish(self) -> Transcript:
        first = await self._fast.finish() if self._fast else None
        if first is not None and self._owner.trusts(first):
            return first
        return await self._owner.second_opinion(
            bytes(self._audio), first, said_first=self._said_first
        )


async def load_recognizer(
    engine: EngineChoice,
    data_dir: Path,
    *,
    vosk_model: Path | None = None,
    whisper_model: Path | None = None,
    language: str = "en",
    grammar: Sequence[str] | None = None,
    steer: bool = False,
    on_progress: Callable[[str], None] | None = None,
) -> Recognizer:
    """Load the models ``engine`` needs, once, off the event loop.

    ``grammar`` defaults to the local interpreter's phrases; ``auto`` skips vosk (with a log line)
    when no vosk model for ``language`` is installed. ``steer``: whisper's prompt and hotwords
    come from that grammar (``assistant.stt.vocabulary``), for noisy rooms; otherwise it gets
    its short domain prompt.
    """
    from assistant.stt.vocabulary import command_prompt, hotwords
    from assistant.stt.vosk_recognizer import VoskRecognizer
    from assistant.stt.whisper_recognizer import WhisperRecognizer

    progress = on_progress or (lambda _line: None)
    fast: Recognizer | None = None
    if engine in ("auto", "vosk", "vosk-free"):
        try:
            found = resolve_model("vosk", data_dir, explicit=vosk_model, language=language)
        except ModelNotFoundError as error:
            if engine != "auto":
                raise
            log.info("stt.auto_without_vosk", reason=str(error))
        else:
            # The interpreter's phrases are English: another language gets free-form vosk.
            if engine == "vosk-free" or (grammar is None and language != "en"):
                phrases = None
            else:
                phrases = grammar or _interpreter_phrases()
            progress(f"Loading vosk model from {found.path} ({found.source})…")
            fast = await VoskRecognizer.load(found.path, grammar=phrases)
            if engine != "auto":
                return fast
    try:
        found = resolve_model("whisper", data_dir, explicit=whisper_model, language=language)
        progress(f"Loading whisper model from {found.path} ({found.source})…")
        if steer and language == "en":
            free = await WhisperRecognizer.load(
                found.path, language=language, prompt=command_prompt(), hotwords=hotwords()
            )
        else:
            free = await WhisperRecognizer.load(found.path, language=language)
    except BaseException:
        if fast is not None:
            await fast.close()
        raise
    if engine == "whisper":
        return free
    return AutoRecognizer(fast, free, _understands)


def _interpreter_phrases() -> list[str]:
    from assistant.interpreter import grammar_phrases

    return grammar_phrases()


def _understands(text: str) -> bool:
    from assistant.interpreter import interpret

    return interpret(text) is not None

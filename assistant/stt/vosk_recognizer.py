"""vosk (Kaldi) streaming recognition: free-form, or restricted to a grammar of known commands.

With a grammar the decoder only considers the local command phrases, which is both faster and
far more accurate for them; the price is that anything else is forced onto the nearest phrase, so
the word confidences decide whether the result is trusted (see ``assistant.stt.auto``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import structlog

from assistant.audio import SAMPLE_RATE_HZ
from assistant.stt import Partial, Transcript

log = structlog.get_logger(__name__)


def usable_phrases(model: Any, phrases: Iterable[str]) -> tuple[list[str], list[str]]:
    """Phrases whose every word the model knows, and the dropped ones.

    vosk would silently drop unknown words and so listen for a different phrase than the one
    the interpreter expects; dropping the whole phrase keeps the grammar honest.
    """
    kept: list[str] = []
    dropped: list[str] = []
    for phrase in phrases:
        words = phrase.split()
        known = words and all(model.vosk_model_find_word(w) >= 0 for w in words)
        (kept if known else dropped).append(phrase)
    return kept, dropped


class VoskRecognizer:
    """Implements ``Recognizer`` with vosk; a fresh decoder per utterance, built in advance.

    A reused decoder (``Reset()``) keeps adapting to what it heard before, so the same audio
    could be recognized differently depending on the previous utterance; a fresh one is
    deterministic. The next one is built while the user is silent, so ``begin`` costs nothing.
    """

    def __init__(self, model: Any, grammar: Sequence[str] | None, executor: ThreadPoolExecutor):
        self._model = model
        self._grammar_json = json.dumps(list(grammar), ensure_ascii=False) if grammar else None
        self.grammar = list(grammar or [])
        self.name = "vosk-grammar" if grammar else "vosk"
        # Kaldi decoders are not thread-safe: one worker thread serializes every call.
        self._executor = executor
        self._spare: Future[Any] | None = None

    @classmethod
    async def load(cls, path: Path, *, grammar: Sequence[str] | None = None) -> VoskRecognizer:
        """Load the model and prepare the first decoder, off the event loop (seconds)."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vosk")
        loop = asyncio.get_running_loop()
        try:
            model = await loop.run_in_executor(executor, _load_model, path)
            kept: list[str] | None = None
            if grammar is not None:
                kept, dropped = usable_phrases(model, grammar)
                if dropped:
                    log.warning(
                        "vosk.grammar_phrases_dropped", dropped=len(dropped), kept=len(kept),
                        example=dropped[0], reason="words missing from the model's vocabulary",
                    )  # fmt: skip
            recognizer = cls(model, kept, executor)
            first = recognizer._spare = executor.submit(recognizer._new_decoder)
            await asyncio.wrap_future(first)  # fail here, at load, if the grammar is unusable
        except BaseException:
            executor.shutdown(wait=False)
            raise
        log.info("vosk.loaded", path=str(path), mode=recognizer.name, phrases=len(kept or []))
        return recognizer

    def variant(self, grammar: Sequence[str] | None) -> VoskRecognizer:
        """The same loaded model with another grammar (``None``: free-form), sharing its thread."""
        kept = usable_phrases(self._model, grammar)[0] if grammar is not None else None
        return VoskRecognizer(self._model, kept, self._executor)

    def _new_decoder(self) -> Any:
        import vosk

        if self._grammar_json is not None:
            decoder = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar_json)
        else:
            decoder = vosk.KaldiRecognizer(self._model, SAMPLE_RATE_HZ)
        decoder.SetWords(True)
        return decoder

    def prepare(self) -> None:
        """Start building the next utterance's decoder on the worker thread."""
        if self._spare is None:
            self._spare = self._executor.submit(self._new_decoder)

    async def begin(self, *, said_first: str = "") -> VoskRecognition:
        # A grammar decoder cannot be told the words it will hear first: ``said_first`` unused.
        self.prepare()
        spare, self._spare = self._spare, None
        assert spare is not None
        return VoskRecognition(self, await asyncio.wrap_future(spare))

    async def _run(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def close(self) -> None:
        self._spare = None
        await asyncio.to_thread(self._executor.shutdown, wait=True)


def _load_model(path: Path) -> Any:
    import vosk

    vosk.SetLogLevel(-1)  # Kaldi's own logging goes to stderr, bypassing structlog
    return vosk.Model(str(path))


class VoskRecognition:
    """One utterance through one vosk decoder."""

    def __init__(self, owner: VoskRecognizer, decoder: Any):
        self._owner = owner
        self._decoder = decoder
        self._finals: list[dict[str, Any]] = []
        self._compute_s = 0.0
        self._finished = False

    async def feed(self, pcm: bytes) -> Partial:
        partial: Partial = await self._owner._run(self._accept, pcm)
        return partial

    def _accept(self, pcm: bytes) -> Partial:
        started = time.perf_counter()
        try:
            if self._decoder.AcceptWaveform(pcm):
                self._finals.append(json.loads(self._decoder.Result()))
                return Partial(self._text(), endpoint=True)
            partial = json.loads(self._decoder.PartialResult()).get("partial", "")
            return Partial(" ".join(filter(None, [self._text(), partial])))
        finally:
            self._compute_s += time.perf_counter() - started

    async def finish(self) -> Transcript:
        if self._finished:
            raise RuntimeError("this recognition has already finished")
        self._finished = True
        started = time.perf_counter()
        await self._owner._run(self._final)
        finish_ms = (time.perf_counter() - started) * 1000
        words = [w for result in self._finals for w in result.get("result", [])]
        confidence = sum(float(w["conf"]) for w in words) / len(words) if words else 0.0
        self._owner.prepare()
        return Transcript(
            text=self._text(),
            engine=self._owner.name,
            confidence=confidence,
            stt_ms=self._compute_s * 1000 + finish_ms,
            finish_ms=finish_ms,
        )

    def _final(self) -> None:
        result = json.loads(self._decoder.FinalResult())
        if result.get("text"):
            self._finals.append(result)

    def _text(self) -> str:
        return " ".join(r["text"] for r in self._finals if r.get("text"))

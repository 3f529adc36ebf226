"""faster-whisper (CTranslate2, int8 on CPU) for free-form speech.

Whisper decodes a whole utterance at once, so feeding only buffers; the decode runs in a worker
thread at the endpoint. Greedy decoding with a short domain prompt measured best here: as accurate
as a 5-wide beam on command-like speech, and faster.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import structlog

from assistant.audio import to_float
from assistant.stt import Partial, Transcript
from assistant.stt.whisper_models import default_threads, shared_whisper

log = structlog.get_logger(__name__)

DOMAIN_PROMPT = (
    "Jarvis voice commands: set a timer for ten minutes, pasta timer, pause or resume the timer, "
    "pause or resume the music, next song, set the volume to forty, volume down, mute, "
    "battery level, take a note, read my notes, add eggs to my shopping list, type hello."
)
"""Primes the decoder with the assistant's vocabulary ("resume", not "rezoom").

In a loud room whisper copies it ("set a timer for ten minutes" for half an hour, "mute"), and
it names ten of ``bench/speech_room.py``'s commands word for word, which that bench prints
apart. The same prompt without its values, no prompt, a sentence of prose and a list of words
were tried against it on ``just choose-doubted-words``' dev set and the room bench; none did
better on both (README, "Whisper's prompt")."""
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
NO_REPEAT_NGRAM = 3
"""No three words twice in one decode: whisper's loops ("pause the timer, pause the timer, …")
cannot start, and no command of the grammar repeats three words."""
MAX_COMPRESSION_RATIO = 2.4
"""Text that compresses better than this (zlib) repeats itself: whisper looping, not a command."""
INVENTED_OUTRO = re.compile(
    r"^(?:(?:and |so )?thanks? (?:you )?(?:so much |very much )?for (?:watching|tuning in)"
    r"|(?:please )?(?:like and )?subscribe(?: to (?:my|the|our) channel)?"
    r"|(?:i'll |we'll )?see you in the next (?:one|video)"
    r"|(?:subtitles|transcribed|transcription) by .*)$",
    re.IGNORECASE,
)
"""The end of a video, which whisper learned from subtitles and writes when it hears noise or a
room of talkers (the "bag of hallucinations" of the studies on whisper's hallucinations). No one
says it to an assistant; "thank you", "bye" and "see you next time" are left, since people do."""


class WhisperRecognizer:
    """Implements ``Recognizer`` with a faster-whisper model loaded once."""

    name = "whisper"

    def __init__(
        self,
        model: Any,
        executor: ThreadPoolExecutor,
        *,
        language: str,
        prompt: str | None,
        hotwords: str | None = None,
    ):
        self._model = model
        self._executor = executor
        self._language = language
        self._prompt = prompt
        self._hotwords = hotwords

    @classmethod
    async def load(
        cls,
        path: Path,
        *,
        language: str = "en",
        prompt: str | None = DOMAIN_PROMPT,
        hotwords: str | None = None,
        cpu_threads: int = 0,
    ) -> WhisperRecognizer:
        """Load the CTranslate2 model in a worker thread (about a second for tiny.en), or share
        the one this process already loaded from ``path`` (the wake word's whisper check)."""
        threads = cpu_threads or default_threads()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        started = time.perf_counter()
        try:
            model = await asyncio.get_running_loop().run_in_executor(
                executor, shared_whisper, path, threads
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        load_ms = (time.perf_counter() - started) * 1000
        log.info("whisper.loaded", path=str(path), load_ms=round(load_ms), cpu_threads=threads)
        return cls(model, executor, language=language, prompt=prompt, hotwords=hotwords)

    @property
    def model(self) -> Any:
        """The faster-whisper model (shared with the wake word's whisper check)."""
        return self._model

    @property
    def prompt(self) -> str | None:
        """What primes the decoder: the domain prompt, or the grammar's phrases when steered."""
        return self._prompt

    @property
    def hotwords(self) -> str | None:
        return self._hotwords

    async def begin(self, *, said_first: str = "") -> WhisperRecognition:
        return WhisperRecognition(self, said_first)

    async def transcribe(self, pcm: bytes, *, said_first: str = "") -> Transcript:
        """The transcript of a whole utterance of 16 kHz mono int16 audio; of what follows
        ``said_first`` when the utterance is known to begin with those words."""
        started = time.perf_counter()
        text, confidence = await asyncio.get_running_loop().run_in_executor(
            self._executor, self._decode, pcm, as_written(said_first)
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        return Transcript(text, self.name, confidence, stt_ms=elapsed_ms, finish_ms=elapsed_ms)

    def _decode(self, pcm: bytes, prefix: str | None = None) -> tuple[str, float]:
        if not pcm:
            return "", 0.0
        segments, _ = self._model.transcribe(
            to_float(pcm),
            language=self._language,
            beam_size=1,
            initial_prompt=self._prompt,
            prefix=prefix,  # forced as the decoder's first words
            hotwords=self._hotwords,  # (faster-whisper ignores them under a prefix)
            no_repeat_ngram_size=NO_REPEAT_NGRAM,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,  # the endpointer already cut the utterance out
        )
        # The generator decodes lazily: run it here, in the worker. Segments whisper itself
        # thinks are not speech (noise, breath) are where it invents "Thank you." — drop them.
        decoded = [s for s in segments if not _probably_not_speech(s)]
        text = " ".join(s.text.strip() for s in decoded).strip()
        if prefix and text.startswith(prefix):  # the forced words open the text: not heard
            text = text[len(prefix) :].lstrip()
        text = without_invented_outros(collapse_repeats(text))
        if repeats_itself(text):
            log.info("whisper.repetition_dropped", words=len(text.split()))
            return "", 0.0
        if not decoded:
            return text, 0.0
        return text, math.exp(sum(s.avg_logprob for s in decoded) / len(decoded))

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)


def as_written(said_first: str) -> str | None:
    """Words said first as whisper writes them before a command: "hey jarvis" → "Hey Jarvis,".

    Decoded from there, whisper transcribes the command after the wake phrase instead of
    guessing at the phrase, which in noise or an accent it wrote as words that ran into the
    command ("John, we should turn the volume up", "Change our list, set a timer …")."""
    words = " ".join(word.capitalize() for word in said_first.split())
    return f"{words}," if words else None


def collapse_repeats(text: str) -> str:
    """Whisper's looping on short audio undone: "stop, stop," → "stop"."""
    parts = [p.strip() for p in re.split(r"[,.!?]+", text) if p.strip()]
    first = parts[0].lower() if parts else ""
    # "pause the music, pause the": the loop was cut off mid-way; what repeats is the command.
    if len(parts) > 1 and all(first.startswith(p.lower()) for p in parts[1:]):
        return parts[0]
    words = text.split()
    for size in range(1, len(words) // 2 + 1):  # "stop stop stop" → "stop"
        if len(words) % size == 0 and words == words[:size] * (len(words) // size):
            return " ".join(words[:size])
    return text


def without_invented_outros(text: str) -> str:
    """The transcript without the clauses whisper invents from videos' ends ("Thank you for
    watching.", "I'll see you in the next one."): nothing when that is all it wrote."""
    clauses = re.split(r"(?<=[,.!?])\s+", text)
    kept = [c for c in clauses if not INVENTED_OUTRO.match(c.replace("’", "'").strip(" ,.!?"))]
    if len(kept) == len(clauses):
        return text
    log.info("whisper.outro_dropped", clauses=len(clauses) - len(kept))
    return " ".join(kept).strip()


def repeats_itself(text: str) -> bool:
    """Whisper looping: the text compresses far better than speech does, or one word or pair of
    words comes back three times in a row ("mute, mute, mute"). Such a transcript is no command."""
    words = re.findall(r"[\w']+", text.lower())
    for size in (1, 2, 3):
        grams = [tuple(words[i : i + size]) for i in range(len(words) - size + 1)]
        for at in range(len(grams) - 2 * size):
            if grams[at] == grams[at + size] == grams[at + 2 * size]:
                return True
    raw = text.encode()
    return len(raw) > 40 and len(raw) / len(zlib.compress(raw)) > MAX_COMPRESSION_RATIO


def _probably_not_speech(segment: Any) -> bool:
    """faster-whisper's own silence rule: likely no speech, and decoded without confidence."""
    return bool(segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB)


class WhisperRecognition:
    """Buffers one utterance; decodes it all in ``finish``."""

    def __init__(self, owner: WhisperRecognizer, said_first: str = ""):
        self._owner = owner
        self._said_first = said_first
        self._audio = bytearray()

    async def feed(self, pcm: bytes) -> Partial:
        self._audio += pcm
        return Partial("")

    async def finish(self) -> Transcript:
        return await self._owner.transcribe(bytes(self._audio), said_first=self._said_first)

"""The gate in front of the recognizer: until the wake word, only the wake word detector hears.

Before the wake word the microphone's frames go to ``WakeWordDetector`` and nowhere else — no
recognizer, no log line with text, no buffer longer than the last second, in memory. After it,
that second (the wake phrase itself, and a command said in the same breath) and ``command_window``
let audio through to the endpointer for a few seconds; if nobody starts speaking, Jarvis goes back
to sleep.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import structlog

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES, duration_s
from assistant.audio.endpointing import Endpointer, RoomLevels, SpeechDetector, room_levels
from assistant.audio.wake_word import NearMiss, WakeWordDetector, Woke
from assistant.stt import Recognizer
from models import Intent

log = structlog.get_logger(__name__)

BATCH_BYTES = 1280 * SAMPLE_WIDTH_BYTES
"""Frames go to the detector's thread in 80 ms batches (one feature step each)."""
LOOKBACK_S = 1.0
"""The second before the wake point goes to the recognizer too, so it hears the whole phrase
before the command; whisper writes it as "Hey Jarvis, …", which ``command_after_wake`` drops. A
command said in the same breath may begin before the wake point (the detector wakes up to 0.4 s
after the phrase ends), but a cut just before that point left the phrase's last sound in front
of the command ("…vis, what time is it"), which whisper wrote as "This is what time is it"."""
PHRASE_S = 0.8
"""The wake phrase's loudest part ends within this long before the wake point: its level is the
speaker's."""
PHRASE_ALONE_S = 0.25
"""The first utterance after the wake word held the phrase alone when its speech (the speaker's,
as the endpointer follows them) ended within this long after the wake point. Measured on four
voices: the phrase said alone ended 0.22 s before to 0.10 s after the wake point in a quiet room
(0.34 before to 0.14 after in 20 and 10 dB rooms of other talkers), the phrase and a command in
one breath 0.62 s or more after it (0.40 s in those rooms)."""


@dataclass(frozen=True, slots=True)
class Wake:
    woke: Woke
    after: bytes
    """Audio heard after the wake point (with ``LOOKBACK_S``): the command may begin in it."""
    wake_point_s: float
    """Where in ``after`` the wake word was heard, in seconds from its start."""
    levels: RoomLevels | None = None
    """How loud the wake phrase and the room under it were: the endpointer follows this speaker
    (two numbers; the audio itself is not kept)."""


class WakeGate:
    """Runs the detector over a live stream in its own thread until the wake word is heard."""

    def __init__(self, detector: WakeWordDetector):
        self.detector = detector
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wake-word")

    async def wait(
        self, frames: AsyncIterator[bytes], on_near_miss: Callable[[NearMiss], None]
    ) -> Wake | None:
        """Consume ``frames`` until the wake word; ``None`` when the stream ends first."""
        loop = asyncio.get_running_loop()
        self.detector.reset()
        kept_bytes = max(LOOKBACK_S, PHRASE_S) * SAMPLE_RATE_HZ * SAMPLE_WIDTH_BYTES
        # In memory only, and only until the wake word: then it goes to the recognizer.
        recent: deque[bytes] = deque(maxlen=round(kept_bytes / BATCH_BYTES) + 1)
        batch = b""
        async for frame in frames:
            batch += frame
            if len(batch) < BATCH_BYTES:
                continue
            recent.append(batch)
            events = await loop.run_in_executor(self._executor, self.detector.push, batch)
            batch = b""
            for event in events:
                if isinstance(event, NearMiss):
                    on_near_miss(event)
                    continue
                heard_s = self.detector.heard_s
                phrase = _between(recent, heard_s, event.at_s - PHRASE_S, event.at_s)
                after = _between(recent, heard_s, event.at_s - LOOKBACK_S, heard_s)
                wake_point_s = duration_s(after) - (heard_s - event.at_s)
                return Wake(event, after, wake_point_s, room_levels(phrase))
        return None

    async def close(self) -> None:
        await asyncio.to_thread(self._executor.shutdown, wait=True)


def _between(recent: deque[bytes], heard_s: float, from_s: float, to_s: float) -> bytes:
    """The audio from ``from_s`` to ``to_s`` of the stream, of what ``recent`` still holds (it
    ends at ``heard_s``)."""
    audio = b"".join(recent)

    def offset(at_s: float) -> int:
        back = round(max(0.0, heard_s - at_s) * SAMPLE_RATE_HZ) * SAMPLE_WIDTH_BYTES
        return max(0, len(audio) - back)

    return audio[offset(from_s) : offset(to_s)]


async def command_window(
    frames: AsyncIterator[bytes],
    first: bytes,
    *,
    limit_s: float,
    in_speech: Callable[[], bool],
    busy: Callable[[], bool],
    hear_while_busy: bool = True,
) -> AsyncGenerator[bytes, None]:
    """``first``, then ``frames``, until ``limit_s`` of audio pass with nobody speaking to Jarvis.

    Time does not count while Jarvis is ``busy`` (answering or speaking): the follow-up window
    opens when the reply has been said. Without an echo canceller (``hear_while_busy`` false)
    the microphone would hear Jarvis's own reply, so frames are dropped while it is busy. The
    source itself is never closed here.
    """
    waited_s = 0.0
    if first:
        yield first
    async for frame in frames:
        if busy() and not in_speech():
            waited_s = 0.0
            if not hear_while_busy:
                continue
        elif in_speech():
            waited_s = 0.0
        else:
            waited_s += duration_s(frame)
            if waited_s >= limit_s:
                return
        yield frame


_PUNCTUATION = re.compile(r"[^\w']+")


def strip_wake_phrase(text: str, phrase: str) -> str:
    """The command without the wake phrase whisper may have heard too ("Hey Jarvis, stop" →
    "stop"): leading words of the phrase are dropped, the rest is kept as it was said."""
    words = text.split()
    phrase_words = {w for w in _PUNCTUATION.sub(" ", phrase.lower()).split() if w}
    drop = 0
    for index, word in enumerate(words[:4]):
        if _PUNCTUATION.sub("", word.lower()) in phrase_words:
            drop = index + 1
    return " ".join(words[drop:]).lstrip(" ,.!?")


def more_than_the_phrase(wake: Wake, endpointer: Endpointer) -> bool:
    """Whether the utterance ``endpointer`` just ended, the first it heard since its ``reset``
    (from the start of ``wake.after``), held more than the wake phrase. Said alone, before a
    pause, the phrase is not worth a decode (the command is the next utterance): whisper, told
    the phrase comes first, writes the other talkers in the room into the silence after it
    ("okay.", "hi.")."""
    return endpointer.last_speech_s >= wake.wake_point_s + PHRASE_ALONE_S


LEADING_CLAUSE_WORDS = 3
"""The longest first clause ``command_after_wake`` takes for the wake phrase misheard."""


def understood_on_the_edge(said: str) -> bool:
    """Whether the edge takes ``said`` for a command of its own (the templates, then the repair
    of a misheard command; the learned tier is not asked)."""
    from assistant.interpreter.spoken import interpret_heard

    return interpret_heard(said) is not None


def command_after_wake(
    text: str,
    phrase: str,
    understood: Callable[[str], bool] = understood_on_the_edge,
    *,
    phrase_heard: bool = True,
) -> str:
    """What was said after the wake phrase, from a transcript of both. The phrase's words are
    dropped (``strip_wake_phrase``). Where whisper misheard the phrase in a noisy room ("Change
    our list, set a timer for five minutes") and the rest is not ``understood``, a first clause
    of at most ``LEADING_CLAUSE_WORDS`` words is dropped too, if then it is: the phrase was
    said first, so a clause that short before a command is the phrase. ``phrase_heard`` false
    (a later utterance, or a follow-up without the wake word): only the phrase's words go."""
    command = strip_wake_phrase(text, phrase)
    if not phrase_heard or understood(command):
        return command
    words = command.split()
    for count in range(1, min(LEADING_CLAUSE_WORDS, len(words) - 1) + 1):
        if words[count - 1].endswith((",", ".", "!", "?")):
            rest = " ".join(words[count:])
            if understood(rest):
                return rest
    return command


class AfterWake:
    """The utterances after waking, one rule for the voice loop, the satellites and the bench.

    The first begins with the wake phrase (``Wake.after`` holds it). Said alone before a pause,
    the phrase is not worth a decode (``worth_decoding``) and the command is the next utterance;
    with more after it, the recognizer is told the phrase comes first (``said_first``) and
    ``command`` drops it, or the short clause whisper misheard it as. Later utterances, and a
    follow-up heard without the phrase (``wake`` is ``None``), are taken as they were said."""

    def __init__(self, phrase: str, wake: Wake | None, endpointer: Endpointer) -> None:
        self.phrase = phrase
        self._opening = wake
        """The wake whose phrase opens the next utterance; ``None`` once that one is heard."""
        self._endpointer = endpointer
        self.phrase_told = False
        """Whether the utterance last given to ``command`` was decoded told that the phrase
        came first (whisper reads surer of such words: ``understanding.doubted_words``)."""

    @property
    def said_first(self) -> str:
        """The words the next utterance is known to begin with (``Recognizer.begin``)."""
        return self.phrase if self._opening is not None else ""

    def worth_decoding(self) -> bool:
        """Whether the utterance the endpointer just ended holds more than the phrase alone."""
        return self._opening is None or more_than_the_phrase(self._opening, self._endpointer)

    def command(self, transcript: str) -> str:
        """The command in the utterance just heard (empty: none yet, hear the next one); the
        next utterance is no longer the first."""
        opened = self._opening is not None
        self._opening = None
        self.phrase_told = opened
        return command_after_wake(transcript, self.phrase, phrase_heard=opened)


def earcon() -> tuple[bytes, int]:
    """The chime that says "I'm listening": two short rising tones, 16 kHz int16 PCM."""
    rate = SAMPLE_RATE_HZ
    tones = []
    for frequency in (880.0, 1320.0):
        t = np.arange(round(0.07 * rate)) / rate
        envelope = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)  # 10 ms fades: no clicks
        tones.append(0.3 * envelope * np.sin(2 * np.pi * frequency * t))
    samples = np.concatenate([tones[0], np.zeros(round(0.02 * rate)), tones[1]])
    return (samples * 32767).astype("<i2").tobytes(), rate


async def hear_after_wake(
    pcm: bytes, wake: WakeWordDetector, recognizer: Recognizer, vad: SpeechDetector
) -> dict[str, Any]:
    """A recording that must hold the wake word, then the command: the ``jarvis listen --json
    --wake-word`` object. Nothing is recognized when the wake word is not in it."""
    from assistant.interpreter.spoken import interpret_heard
    from assistant.stt.listen import hear_recording

    woke, near_miss = await asyncio.to_thread(wake_in, wake, pcm)
    # Why it did not wake, when the detector fired and a check said no: scores, no words.
    missed = None if near_miss is None else near_miss.log_fields()
    if woke is None:
        return {
            "transcript": "", "intent": None, "slots": {}, "handled_by": "edge",
            "stt_engine": recognizer.name, "audio_s": round(duration_s(pcm), 3), "stt_ms": 0.0,
            "end_of_speech_to_intent_ms": 0.0, "woke_at_s": None, "near_miss": missed,
        }  # fmt: skip
    start = max(0, round((woke.at_s - LOOKBACK_S) * SAMPLE_RATE_HZ)) * SAMPLE_WIDTH_BYTES
    phrase = wake.model.phrase
    command = ""

    def understood(said: str) -> Intent | None:
        """The command after the phrase, understood: timed as the end of speech → intent."""
        nonlocal command
        command = command_after_wake(said, phrase)
        return interpret_heard(command)

    heard = await hear_recording(pcm[start:], recognizer, vad, understood, said_first=phrase)
    outcome = heard.to_json()
    outcome.update(
        transcript=command,
        audio_s=round(duration_s(pcm), 3),
        woke_at_s=round(woke.at_s, 3),
        near_miss=missed,
    )
    if woke.voice is not None:  # the enrolled voice whose own phrase woke it
        outcome["woke_for"] = woke.voice
    if woke.by is not None:  # the companion, the whisper check or the slowed look
        outcome["woke_by"] = woke.by
    return outcome


def first_wake(detector: WakeWordDetector, pcm: bytes) -> Woke | None:
    """Where the wake word first ends in a recording, streamed as the microphone would be."""
    return wake_in(detector, pcm)[0]


def wake_in(detector: WakeWordDetector, pcm: bytes) -> tuple[Woke | None, NearMiss | None]:
    """Where the wake word first ends in a recording, streamed as the microphone would be, and
    the last near miss before it (the detector fired, a check said no)."""
    detector.reset()
    near_miss: NearMiss | None = None
    for start in range(0, len(pcm), BATCH_BYTES):
        for event in detector.push(pcm[start : start + BATCH_BYTES]):
            if isinstance(event, Woke):
                return event, near_miss
            near_miss = event
    # A wake still waiting for the detector's peak when the file ends.
    return detector.finish(), near_miss

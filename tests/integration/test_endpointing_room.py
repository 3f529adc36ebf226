"""The endpointer follows the person talking to Jarvis, not every voice in the room.

Real Silero VAD, piper's voice for the speaker, espeak-ng voices for the other people talking
(babble) and a synthetic room. With babble under it, a VAD alone never hears silence: the
utterance would only end when the others stop talking.
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.audio.endpointing import (
    Endpointer,
    EndpointSettings,
    SileroDetector,
    SpeechEnded,
    SpeechStarted,
    room_levels,
)
from assistant.testing_room import EspeakVoice, espeak, in_room, piper, silence, speech_end_s

pytestmark = pytest.mark.slow

COMMANDS = ("set a timer for ten minutes", "turn the volume up", "what's on my shopping list")
OTHER_TALK = (
    "did you see the game last night it went to overtime",
    "the recipe says two cups of flour and a pinch of salt",
    "my sister is moving to a new apartment next month",
)
BABBLE_S = 5.0
LEAD_S = 0.5


@pytest.fixture(scope="module")
def babble_pool() -> list[np.ndarray]:
    voices = (EspeakVoice("en-gb-x-rp", "f2", 160), EspeakVoice("en-us", "m5", 150))
    return [espeak(text, voice) for text in OTHER_TALK for voice in voices]


def _command_in_babble(
    piper_voice: object, text: str, pool: list[np.ndarray], snr_db: float, seed: int
) -> tuple[bytes, float]:
    """The command, then others talking on for ``BABBLE_S``; and where the command ends."""
    command = piper(piper_voice, text, steady=True)
    audio = np.concatenate([silence(LEAD_S), command, silence(BABBLE_S)])
    roomy = in_room(audio, np.random.default_rng(seed), snr_db=snr_db, babble_pool=pool, rt60_s=0.3)
    return to_pcm(roomy), LEAD_S + speech_end_s(command)


def _ended_at_s(endpointer: Endpointer, pcm: bytes) -> tuple[float | None, bytes]:
    """Where the first utterance ended (seconds into ``pcm``) and its audio."""
    step = 640
    for at in range(0, len(pcm), step):
        for event in endpointer.push(pcm[at : at + step]):
            if isinstance(event, SpeechEnded):
                return (at + step) / (2 * SAMPLE_RATE_HZ), event.pcm
    return None, b""


@pytest.mark.parametrize("snr_db", [20.0, 10.0])
def test_an_utterance_ends_when_its_speaker_stops_though_others_talk_on(
    silero: SileroDetector, piper_voice: object, babble_pool: list[np.ndarray], snr_db: float
) -> None:
    for seed, text in enumerate(COMMANDS):
        pcm, command_end_s = _command_in_babble(piper_voice, text, babble_pool, snr_db, seed)
        following = Endpointer(silero, EndpointSettings(trailing_silence_ms=600))
        ended_s, utterance = _ended_at_s(following, pcm)
        assert ended_s is not None, f"{text!r} at {snr_db} dB never ended"
        # The trailing silence is 600 ms; the babble must not hold the utterance open.
        assert command_end_s < ended_s < command_end_s + 1.5, (text, ended_s, command_end_s)
        assert len(utterance) / (2 * SAMPLE_RATE_HZ) >= command_end_s - LEAD_S, text


def test_a_vad_alone_hears_the_babble_as_the_utterance_going_on(
    silero: SileroDetector, piper_voice: object, babble_pool: list[np.ndarray]
) -> None:
    """What following the speaker fixes: without it the endpoint waits for the others."""
    pcm, command_end_s = _command_in_babble(piper_voice, COMMANDS[0], babble_pool, 10.0, 0)
    vad_only = Endpointer(silero, EndpointSettings(follow_speaker=False))
    ended_s, _ = _ended_at_s(vad_only, pcm)
    assert ended_s is None or ended_s > command_end_s + 3.0


def test_after_the_wake_word_quieter_talk_does_not_start_an_utterance(
    silero: SileroDetector, piper_voice: object, babble_pool: list[np.ndarray]
) -> None:
    """Jarvis follows whoever said the wake word: the others, talking 10 dB below them all
    along, start nothing, while the speaker themself is heard."""
    rng = np.random.default_rng(5)
    wake = piper(piper_voice, "hey jarvis", steady=True)
    wake_in_room = in_room(wake, rng, snr_db=10.0, babble_pool=babble_pool, rt60_s=0.3)
    levels = room_levels(to_pcm(wake_in_room))
    assert levels is not None
    assert levels.floor_dbfs < levels.speaker_dbfs - 6
    others = to_pcm(babble_level(babble_pool, rng, 4.0, levels.speaker_dbfs - 10.0))

    def started(endpointer: Endpointer) -> bool:
        events = [
            e for at in range(0, len(others), 640) for e in endpointer.push(others[at : at + 640])
        ]
        return any(isinstance(e, SpeechStarted) for e in events)

    following = Endpointer(silero)
    following.follow(levels)
    assert not started(following)
    # The same talk heard without knowing the speaker is an utterance: the VAD calls it speech.
    assert started(Endpointer(silero))

    following.reset()
    following.follow(levels)
    pcm, command_end_s = _command_in_babble(piper_voice, COMMANDS[1], babble_pool, 10.0, 9)
    ended_s, utterance = _ended_at_s(following, pcm)
    assert ended_s is not None
    assert command_end_s < ended_s < command_end_s + 1.5
    assert len(utterance) / (2 * SAMPLE_RATE_HZ) >= command_end_s - LEAD_S


def test_in_a_quiet_room_the_soft_end_of_a_command_is_kept(
    silero: SileroDetector, piper_voice: object
) -> None:
    """Without others talking the margin is wide: the utterance keeps all of the command."""
    for text in COMMANDS:
        command = piper(piper_voice, text, steady=True)
        pcm = to_pcm(np.concatenate([silence(LEAD_S), command, silence(2.0)]))
        ended_s, utterance = _ended_at_s(Endpointer(silero), pcm)
        command_end_s = LEAD_S + speech_end_s(command)
        assert ended_s is not None, text
        assert command_end_s < ended_s < command_end_s + 1.5, text
        # The utterance starts with the lead padding (0.5 s) and holds the command to its end.
        kept_s = len(utterance) / (2 * SAMPLE_RATE_HZ)
        assert kept_s >= speech_end_s(command) + 0.4, (text, kept_s)


def babble_level(
    pool: list[np.ndarray], rng: np.random.Generator, seconds: float, level_dbfs: float
) -> np.ndarray:
    """Others talking for ``seconds``, their speech at ``level_dbfs``."""
    from assistant.testing_room import babble, rms

    talk = babble(pool, round(seconds * SAMPLE_RATE_HZ), rng)
    return np.asarray(talk * (10 ** (level_dbfs / 20) / (rms(talk) + 1e-9)), dtype=np.float32)

"""The wake word with the real feature models and the bundled heads, on synthesized speech."""

from __future__ import annotations

import asyncio
import os
import pty
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from recognizer_faults import FailsOnce
from structlog.testing import capture_logs

from assistant.audio import SAMPLE_RATE_HZ, to_float, to_pcm
from assistant.audio.openwakeword_features import FeatureModels, StreamingFeatures, clip_windows
from assistant.audio.wake_enrollment import enroll
from assistant.audio.wake_enrollment_calibration import enrollment_takes
from assistant.audio.wake_word import WakeWordDetector, WakeWordModel, Woke, bundled_path
from assistant.audio.wav_source import WavSource, read_wav
from assistant.events import WAKE_EVENT_KIND, ReplyBus
from assistant.interpreter import interpret
from assistant.replies import not_heard
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import until
from assistant.testing_room import EspeakVoice, espeak, in_room, silence
from assistant.testing_speech import write_wav
from assistant.voice_loop import VoiceLoop, VoiceOptions
from assistant.wake_gate import first_wake
from models import Reply

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
WAIT_S = 90.0
"""How long a voice loop here may take to hear and answer (the models are real)."""

NEAR_MISSES = ("hey travis", "hey harvey", "jarvis is a name", "hey service")
KIM = EspeakVoice("en-us", "m3", 160)
"""Whose takes the voice loop finds enrolled."""


@pytest.fixture(scope="session")
def wake_detector() -> WakeWordDetector:
    return WakeWordDetector.load("hey jarvis")


def _stream(tmp_path: Path, *parts: np.ndarray | float) -> Path:
    """A WAV of speech clips and pauses (numbers are seconds of silence)."""
    pieces = [silence(p) if isinstance(p, float) else p for p in parts]
    return write_wav(tmp_path / "stream.wav", to_pcm(np.concatenate(pieces)), SAMPLE_RATE_HZ)


def test_streamed_features_equal_the_batched_ones() -> None:
    """The 80 ms streaming windows are exactly the windows training computes for a whole clip."""
    models = FeatureModels.load()
    rng = np.random.default_rng(1)
    audio = (rng.standard_normal(5 * 1280 + 300) * np.linspace(0, 0.3, 5 * 1280 + 300)).astype(
        np.float32
    )
    streaming = StreamingFeatures(models)
    streamed = np.concatenate(
        [streaming.push(audio[i : i + 333]) for i in range(0, audio.size, 333)]
    )
    assert streamed.shape == (5, 16, 96)
    np.testing.assert_allclose(streamed, clip_windows(models, audio), atol=1e-4)


def test_high_sensitivity_wakes_on_a_score_the_normal_one_ignores(
    wake_detector: WakeWordDetector, said: Callable[..., np.ndarray]
) -> None:
    """``JARVIS_WAKE_SENSITIVITY=high`` loads the same heads at the lower thresholds the training
    stored for it: a detector score between the two thresholds wakes Jarvis only at high (the
    verifier, at its own threshold, still checks the phrase's real window)."""
    high = WakeWordDetector.load("hey jarvis", "high")
    normal = wake_detector.model
    assert (high.model.sensitivity, normal.sensitivity) == ("high", "normal")
    assert high.model.detector.threshold < normal.detector.threshold
    assert high.model.verifier.threshold <= normal.verifier.threshold
    models = FeatureModels.load()
    windows = clip_windows(models, np.concatenate([silence(0.5), said("hey jarvis")]))
    phrase = windows[int(np.argmax(normal.detector.scores(windows)))]
    between = (normal.detector.threshold + high.model.detector.threshold) / 2
    fresh = WakeWordDetector(normal, models)
    # One step of each, given the same window and score (the streaming path is tested below).
    assert fresh._step(phrase, between, 5.0) is None
    assert isinstance(high._step(phrase, between, 5.0), Woke)


def test_hey_jarvis_wakes_it_where_the_phrase_ends(
    wake_detector: WakeWordDetector, said: Callable[[str], np.ndarray]
) -> None:
    """ "Hey Jarvis" wakes the detector once, just after the phrase, not before."""
    phrase = said("hey jarvis")
    audio = np.concatenate([silence(1.0), phrase, silence(1.5)])
    woke = first_wake(wake_detector, to_pcm(audio))
    assert isinstance(woke, Woke)
    phrase_end_s = 1.0 + phrase.size / SAMPLE_RATE_HZ
    assert phrase_end_s - 0.5 <= woke.at_s <= phrase_end_s + 0.6


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_do_not_wake_it(
    wake_detector: WakeWordDetector, said: Callable[[str], np.ndarray], text: str
) -> None:
    """Phrases that only sound like the wake word leave Jarvis asleep."""
    audio = np.concatenate([silence(1.0), said(text), silence(1.5)])
    assert first_wake(wake_detector, to_pcm(audio)) is None


def test_everyday_speech_does_not_wake_it(
    wake_detector: WakeWordDetector, said: Callable[[str], np.ndarray]
) -> None:
    """Commands and chatter without the wake word never wake it."""
    texts = ["what time is it", "pause the music", "tell me about the weather in paris",
             "my friend harvey is coming over tonight", "set a timer for ten minutes"]  # fmt: skip
    audio = np.concatenate([part for t in texts for part in (said(t), silence(0.7))])
    assert first_wake(wake_detector, to_pcm(audio)) is None


class _Voice:
    """A voice loop over a WAV with a wake word; what it submitted and published."""

    def __init__(self, tmp_path: Path):
        self.bus = ReplyBus()
        self.submitted: list[str] = []
        self.events: list[Reply] = []
        self.statuses: list[str] = []
        self.spoken = tmp_path / "replies.wav"
        self.loop: VoiceLoop | None = None

    async def submit(self, text: str, *, words_doubted: bool = False) -> None:
        self.submitted.append(text)
        self.bus.publish(Reply(f"You said {text}"))

    def publish(self, reply: Reply) -> None:
        self.events.append(reply)
        self.bus.publish(reply)

    async def start(
        self,
        tmp_path: Path,
        stream: Path,
        whisper: WhisperRecognizer,
        detector: WakeWordDetector | None,
        **options: object,
    ) -> VoiceLoop:
        self.loop = await VoiceLoop.start(
            tmp_path, submit=self.submit, bus=self.bus, recognizer=whisper,
            source=WavSource(stream, realtime=True, trailing_silence_s=1.0),
            options=VoiceOptions(stt_engine="whisper", speak_to=self.spoken, **options),  # type: ignore[arg-type]
            publish=self.publish, wake_detector=detector, on_status=self.statuses.append,
        )  # fmt: skip
        return self.loop

    def intents(self) -> list[str | None]:
        return [i.name if (i := interpret(text)) else None for text in self.submitted]


async def test_wake_word_then_command_in_one_breath_is_answered_after_a_chime(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
) -> None:
    """ "Hey Jarvis, what time is it?": a chime, a wake event, then the command alone is submitted
    and its reply spoken."""
    stream = _stream(tmp_path, 1.0, said("Hey Jarvis, what time is it?"), 1.5)
    voice = _Voice(tmp_path)
    started = time.time()
    loop = await voice.start(tmp_path, stream, whisper, wake_detector)
    try:
        speech = loop.speech
        assert speech is not None
        assert loop.listening.view()["last_wake"] is None
        await until(lambda: len(speech.spoken) == 1, within_s=WAIT_S)
        assert speech.sounds == ["wake"]
        last_wake = loop.listening.view()["last_wake"]
    finally:
        await loop.close()
    assert voice.intents() == ["time.now"]
    assert "jarvis" not in voice.submitted[0].lower()
    assert [e.kind for e in voice.events] == [WAKE_EVENT_KIND]
    # The listening state says when and by which ear (the console shows it): the ear the same
    # detector names when it hears the recording alone.
    woke = first_wake(wake_detector, read_wav(stream))
    assert woke is not None
    assert isinstance(last_wake, dict)
    assert last_wake["by"] == (woke.by or "detector")
    assert started < last_wake["at"] < time.time()
    # The wake event on /v1/events says the same ear, and how sure it was.
    heard = voice.events[0].woke
    assert heard is not None
    assert (heard.by, heard.score) == (last_wake["by"], last_wake["score"])
    chime = to_float(read_wav(voice.spoken))[: round(0.06 * SAMPLE_RATE_HZ)]
    spectrum = np.abs(np.fft.rfft(chime))
    assert abs(np.argmax(spectrum) * SAMPLE_RATE_HZ / chime.size - 880) < 40


ONE_BREATH = [
    (EspeakVoice("en-us", "m1", 175), "hey jarvis, what time is it", "time.now", {}),
    (EspeakVoice("en-us", "f3", 160), "hey jarvis, mute", "volume.mute", {}),
    (EspeakVoice("en-gb", "m3", 160), "hey jarvis, what is twelve times seven", "math.eval", None),
]
"""Voices whose wake phrase the detector scores before its last sound has ended: the command
heard from just before the wake point began with the phrase's tail ("…vis, what time is it"),
which whisper wrote as "This is what time is it"."""
PHRASE_MISHEARD = [
    (EspeakVoice("en-gb-x-rp", "f4", 150), "hey jarvis, stop all timers", "timer.cancel",
     {"all": True}),
    (EspeakVoice("en-029", "f1", 160), "hey jarvis, what time is it", "time.now", {}),
    (EspeakVoice("en-gb-x-gbcwmd", "m2", 160), "hey jarvis, turn the volume up", "volume.change",
     {"delta": 10}),
]  # fmt: skip
"""Voices whose whole phrase whisper heard as words that ran into the command ("John, we should
stop all timers", "And now this was time to mute", "Change on the stern volume up") until it was
told the phrase comes first (``Recognizer.begin(said_first=…)``)."""


@pytest.mark.parametrize(("voice", "text", "intent", "slots"), ONE_BREATH + PHRASE_MISHEARD)
async def test_a_command_in_the_same_breath_is_heard_after_the_wake_phrase(
    tmp_path: Path,
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
    voice: EspeakVoice,
    text: str,
    intent: str,
    slots: dict[str, str] | None,
) -> None:
    """The recognizer hears the whole wake phrase before the command, is told it comes first,
    and transcribes the command after it, in the voice loop and in ``jarvis listen
    --wake-word``."""
    from assistant.audio.endpointing import load_detector
    from assistant.wake_gate import hear_after_wake

    spoken = espeak(text, voice)
    stream = _stream(tmp_path, 1.0, spoken, 1.5)
    heard = _Voice(tmp_path)
    loop = await heard.start(tmp_path, stream, whisper, wake_detector)
    try:
        speech = loop.speech
        assert speech is not None
        await until(lambda: len(speech.spoken) == 1, within_s=WAIT_S)
    finally:
        await loop.close()
    assert heard.intents() == [intent], heard.submitted
    listened = await hear_after_wake(read_wav(stream), wake_detector, whisper, load_detector())
    assert listened["intent"] == intent, listened["transcript"]
    if slots is not None:
        assert listened["slots"] == slots


async def test_the_voice_loop_loads_the_wake_word_at_the_sensitivity_asked_for(
    tmp_path: Path, said: Callable[[str], np.ndarray], whisper: WhisperRecognizer
) -> None:
    """With no detector handed in, the loop loads the wake word itself at
    ``wake_sensitivity`` with the voices enrolled in its data dir, says which in its listening
    state, and wakes on the phrase."""
    model = WakeWordModel.load(bundled_path("hey jarvis"))
    takes = [espeak(text, voice) for text, voice in enrollment_takes("hey jarvis", KIM)]
    enroll(model, FeatureModels.load(), takes, "kim", tmp_path)
    stream = _stream(tmp_path, 1.0, said("Hey Jarvis, what time is it?"), 1.5)
    voice = _Voice(tmp_path)
    loop = await voice.start(tmp_path, stream, whisper, None, wake_sensitivity="high")
    try:
        assert loop.listening.view()["wake_sensitivity"] == "high"
        assert loop.listening.view()["wake_word"] == "hey jarvis"
        assert loop.listening.view()["enrolled_voices"] == ["kim"]
        assert loop.listening.view()["wake_companion"] == "microWakeWord"
        assert loop.listening.view()["wake_slowed"] == "slowed detector"
        assert "Also woken by microWakeWord's 'hey jarvis'" in voice.statuses
        assert "A phrase the wake word nearly heard is heard again, slowed down" in voice.statuses
        assert "Enrolled voices: 1" in voice.statuses
        speech = loop.speech
        assert speech is not None
        await until(lambda: len(speech.spoken) == 1, within_s=WAIT_S)
    finally:
        await loop.close()
    assert voice.intents() == ["time.now"]


async def test_a_command_after_the_chime_and_a_follow_up_need_no_second_wake_word(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
) -> None:
    """The command may come after a pause; after the reply a follow-up is heard without the
    wake word, and once the follow-up window has passed a command is not."""
    stream = _stream(
        tmp_path, 1.0, said("hey jarvis"), 1.2, said("pause the music"), 2.0,
        said("next song"), 5.0, said("set a timer for ten minutes"), 1.0,
    )  # fmt: skip
    voice = _Voice(tmp_path)
    loop = await voice.start(tmp_path, stream, whisper, wake_detector, follow_up_s=2.5)
    try:
        await until(lambda: "voice-listen" not in loop._tasks.names(), within_s=WAIT_S)
    finally:
        await loop.close()
    assert voice.intents() == ["media.pause", "media.next"]
    assert [e.kind for e in voice.events] == [WAKE_EVENT_KIND]


ROOM_TALK = (
    "did you see the game last night it went to overtime",
    "the recipe says two cups of flour and a pinch of salt",
    "my sister is moving to a new apartment next month",
)
ROOM_SEED = 5
"""A room where whisper, told the phrase comes first, heard the others after it."""


async def test_the_wake_phrase_said_alone_among_other_talkers_is_no_command(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
) -> None:
    """ "Hey Jarvis." and then nothing, while three other people talk on 10 dB below: the first
    utterance after waking is the phrase alone, so it is not recognized (told that the phrase
    comes first, whisper wrote the others' words after it: "you're welcome."), and nothing is
    submitted before Jarvis goes back to sleep."""
    voices = (EspeakVoice("en-gb-x-rp", "f2", 160), EspeakVoice("en-us", "m5", 150))
    pool = [espeak(text, voice) for text in ROOM_TALK for voice in voices]
    audio = np.concatenate([silence(0.7), said("Hey Jarvis."), silence(4.0)])
    rng = np.random.default_rng(ROOM_SEED)
    roomy = in_room(audio, rng, snr_db=10.0, babble_pool=pool, rt60_s=0.4)
    stream = write_wav(tmp_path / "stream.wav", to_pcm(roomy), SAMPLE_RATE_HZ)
    voice = _Voice(tmp_path)
    loop = await voice.start(tmp_path, stream, whisper, wake_detector)
    try:
        await until(lambda: "voice-listen" not in loop._tasks.names(), within_s=WAIT_S)
    finally:
        await loop.close()
    assert [e.kind for e in voice.events] == [WAKE_EVENT_KIND]
    assert voice.submitted == []


async def test_without_the_wake_word_nothing_is_heard(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
) -> None:
    """Commands said without the wake word are never submitted, chimed or announced."""
    stream = _stream(tmp_path, 0.5, said("what time is it"), 1.0, said("hey travis"), 1.0,
                     said("pause the music"), 1.0)  # fmt: skip
    voice = _Voice(tmp_path)
    voice_loop = await VoiceLoop.start(
        tmp_path, submit=voice.submit, bus=voice.bus, recognizer=whisper,
        source=WavSource(stream, trailing_silence_s=1.0),
        options=VoiceOptions(stt_engine="whisper", speak_to=voice.spoken),
        publish=voice.publish, wake_detector=wake_detector,
    )  # fmt: skip
    try:
        await until(lambda: "voice-listen" not in voice_loop._tasks.names(), within_s=WAIT_S)
        assert voice_loop.speech is not None
        assert voice_loop.speech.sounds == []
        assert voice_loop.listening.view()["last_wake"] is None
    finally:
        await voice_loop.close()
    assert voice.submitted == []
    assert voice.events == []


async def test_a_command_that_cannot_be_heard_after_the_wake_word_is_said_so(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
) -> None:
    """Woken, and then the recognizer fails: the person who spoke to Jarvis is told so aloud
    (and on /v1/events) instead of waiting for an answer that never comes, and the command said
    again after it is heard without the wake word, as a follow-up is."""
    stream = _stream(tmp_path, 1.0, said("Hey Jarvis, what time is it?"), 3.0,
                     said("what time is it"), 1.5)  # fmt: skip
    voice = _Voice(tmp_path)
    with capture_logs() as logs:
        loop = await voice.start(tmp_path, stream, FailsOnce(whisper), wake_detector)
        try:
            speech = loop.speech
            assert speech is not None
            await until(lambda: "voice-listen" not in loop._tasks.names(), within_s=WAIT_S)
            await until(lambda: len(speech.spoken) == 2, within_s=WAIT_S)
        finally:
            await loop.close()
    assert speech.spoken[0] == not_heard()
    assert [(e.kind, e.text) for e in voice.events] == [
        (WAKE_EVENT_KIND, ""),
        ("reply", not_heard()),
    ]
    assert voice.intents() == ["time.now"]
    assert [line["event"] for line in logs].count("voice.hear_failed") == 1


async def test_a_failure_before_the_wake_word_says_nothing(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wake word detector fails on speech nobody said to Jarvis: it is logged, and the room
    hears nothing, sees no event; the detector then listens on."""
    pushed = wake_detector.push
    calls: list[int] = []

    def fails_once(pcm: bytes) -> list[object]:
        calls.append(len(pcm))
        if len(calls) == 5:
            raise RuntimeError("onnxruntime: bad allocation")
        return pushed(pcm)

    monkeypatch.setattr(wake_detector, "push", fails_once)
    stream = _stream(tmp_path, 0.5, said("what time is it"), 1.0)
    voice = _Voice(tmp_path)
    with capture_logs() as logs:
        loop = await voice.start(tmp_path, stream, whisper, wake_detector)
        try:
            await until(lambda: "voice-listen" not in loop._tasks.names(), within_s=WAIT_S)
            assert loop.speech is not None
            assert (loop.speech.spoken, loop.speech.sounds) == ([], [])
        finally:
            await loop.close()
    assert voice.events == []
    assert [line["event"] for line in logs].count("voice.hear_failed") == 1
    assert len(calls) > 5  # heard on after the failure


async def test_a_near_miss_the_check_overrules_says_so_and_wakes_nothing(
    tmp_path: Path, whisper: WhisperRecognizer
) -> None:
    """At ``strict``, "hey jarvin" (the espeak-ng voice that wakes the heads, as in
    test_wake_check) is overruled by the whisper check: no chime, no wake event, nothing
    submitted, and the listening state says when the detector fired and which check said no
    (scores only), while ``last_wake`` stays empty."""
    clip = espeak("hey jarvin", EspeakVoice("en-us", "f4", 150))
    stream = _stream(tmp_path, 1.0, clip, 1.5)
    strict = WakeWordDetector.load(sensitivity="strict", companion=False)
    voice = _Voice(tmp_path)
    started = time.time()
    loop = await voice.start(tmp_path, stream, whisper, strict)
    try:
        await until(lambda: "voice-listen" not in loop._tasks.names(), within_s=WAIT_S)
        view = loop.listening.view()
        assert loop.speech is not None
        assert loop.speech.sounds == []
    finally:
        await loop.close()
    assert (voice.submitted, voice.events, view["last_wake"]) == ([], [], None)
    near_miss = view["last_near_miss"]
    assert isinstance(near_miss, dict)
    assert near_miss["rejected_by"] == "whisper check"
    assert started < near_miss["at"] < time.time()
    assert strict.check is not None
    assert near_miss["checked"] < strict.check.veto
    assert set(near_miss) == {"at", "rejected_by", "score", "verifier_score", "checked"}


@pytest.fixture
def stdin_terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A pseudo-terminal as Jarvis's stdin; yields the user's end (the push-to-talk key)."""
    user, jarvis = pty.openpty()

    class _Stdin:
        def fileno(self) -> int:
            return jarvis

    monkeypatch.setattr(sys, "stdin", _Stdin())
    yield user
    os.close(user)
    os.close(jarvis)


async def test_push_to_talk_needs_no_wake_word(
    tmp_path: Path,
    said: Callable[[str], np.ndarray],
    whisper: WhisperRecognizer,
    wake_detector: WakeWordDetector,
    stdin_terminal: int,
) -> None:
    """With the push-to-talk key, a command without the wake word is heard while it is on."""
    stream = _stream(tmp_path, 1.5, said("pause the music"), 3.0)
    voice = _Voice(tmp_path)
    loop = await voice.start(tmp_path, stream, whisper, wake_detector, ptt_key=" ")
    try:
        await asyncio.sleep(0.5)  # the listener puts the terminal in raw mode first
        os.write(stdin_terminal, b" ")  # a tap: talking on
        await asyncio.sleep(3.0)
        os.write(stdin_terminal, b" ")  # the second tap ends the utterance
        await until(lambda: bool(voice.submitted), within_s=WAIT_S)
    finally:
        await loop.close()
    assert voice.intents() == ["media.pause"]
    assert voice.events == []


async def test_the_gate_measures_how_loud_the_wake_phrase_was(
    wake_detector: WakeWordDetector, said: Callable[..., np.ndarray]
) -> None:
    """The endpointer follows whoever woke Jarvis: the gate hands on the phrase's level (two
    numbers, no audio), which is the level the speaker's voice has."""
    from assistant.audio.endpointing import room_levels
    from assistant.wake_gate import WakeGate

    speech = said("hey jarvis") * 0.5
    pcm = to_pcm(np.concatenate([silence(1.0), speech, silence(1.0)]))

    async def frames() -> AsyncIterator[bytes]:
        for at in range(0, len(pcm), 640):
            yield pcm[at : at + 640]

    gate = WakeGate(wake_detector)
    try:
        wake = await gate.wait(frames(), lambda _: None)
    finally:
        await gate.close()
    assert wake is not None
    assert wake.levels is not None
    spoken = room_levels(to_pcm(speech))
    assert spoken is not None
    assert abs(wake.levels.speaker_dbfs - spoken.speaker_dbfs) < 3.0
    assert wake.levels.floor_dbfs < wake.levels.speaker_dbfs - 10

"""The listening state the console shows, told by the voice loop as it hears real speech."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from recognizer_faults import FailsOn, FailsOnce
from structlog.testing import capture_logs

from assistant.audio import SAMPLE_RATE_HZ, AudioSource
from assistant.audio.wav_source import WavSource, read_wav
from assistant.errors import MicrophoneLost, NoInputDeviceError
from assistant.events import ReplyBus
from assistant.listening import ListeningState, MutableSource
from assistant.replies import not_heard, still_not_heard
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import until
from assistant.testing_speech import Recording, write_wav
from assistant.voice_loop import VoiceLoop, VoiceOptions
from models import Reply

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ALWAYS_LISTENING = VoiceOptions(stt_engine="whisper", tts_engine="none", wake_word=None)
"""Whisper, nothing spoken, no wake word: these tests are about the states, not the wake word."""


async def test_the_voice_loop_says_when_it_listens_thinks_and_waits(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Speech moves the state to listening, the end of it to thinking, the answer to waiting."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    bus = ReplyBus()
    listening = ListeningState()
    seen: list[str] = []
    listening.on_change(lambda: seen.append(listening.state))
    answered = asyncio.Event()

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        assert listening.state == "thinking"
        bus.publish(Reply(f"You said {text}"))
        answered.set()

    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, recognizer=whisper, listening=listening,
        source=WavSource(recording.path, trailing_silence_s=1.0),
        options=ALWAYS_LISTENING,
    )  # fmt: skip
    try:
        assert listening.microphone
        await asyncio.wait_for(answered.wait(), 60)
        for _ in range(100):
            if seen[-1:] == ["waiting"]:
                break
            await asyncio.sleep(0.05)
    finally:
        await voice.close()
    assert seen == ["listening", "thinking", "waiting"]
    listening.set_muted(True)
    assert listening.state == "muted"


class _Heard:
    """What the voice loop handed on (its ``submit``), and a wait for the first."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self._answered = asyncio.Event()

    async def submit(self, text: str, *, words_doubted: bool = False) -> None:
        self.texts.append(text)
        self._answered.set()

    async def first(self, timeout_s: float) -> None:
        await asyncio.wait_for(self._answered.wait(), timeout_s)


async def test_a_microphone_muted_before_a_restart_stays_closed_and_says_so(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """A mute kept from before the restart (``MuteStore``): the voice loop starts with the
    device released and unheard, says why in its status lines, and hears the command only once
    a person unmutes it, from a freshly opened device."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    listening = ListeningState()
    listening.set_muted(True)
    opened: list[WavSource] = []

    async def open_device() -> AudioSource:
        opened.append(WavSource(recording.path, trailing_silence_s=1.0))
        return opened[-1]

    heard = _Heard()
    lines: list[str] = []
    voice = await VoiceLoop.start(
        tmp_path, submit=heard.submit, bus=ReplyBus(), recognizer=whisper, listening=listening,
        source=MutableSource(await open_device(), open_device, listening), on_status=lines.append,
        options=ALWAYS_LISTENING,
    )  # fmt: skip
    try:
        await asyncio.sleep(2.0)  # longer than the recording: it would have been heard
        assert heard.texts == []
        assert listening.state == "muted"
        listening.set_muted(False)
        await heard.first(60)
    finally:
        await voice.close()
    assert "The microphone is muted: unmute it in the console or with `jarvis unmute`" in lines
    assert len(opened) == 2  # the first device was released unheard, a fresh one opened
    assert "time" in heard.texts[0].lower()


class _Unplugged:
    """A microphone pulled out after half a second of silence (a stand-in: this machine has no
    sound hardware; the real adapter's ``MicrophoneLost`` is shown in
    tests/unit/test_audio_microphone.py)."""

    async def frames(self) -> AsyncIterator[bytes]:
        for _ in range(25):
            await asyncio.sleep(0.02)
            yield bytes(640)
        raise MicrophoneLost("USB Mic stopped")

    async def close(self) -> None:
        pass


async def test_the_voice_loop_outlives_a_lost_microphone_and_says_so(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Pulled out, the microphone is sought again (the first try finds none), and the command
    said into it once it is back is heard; the terminal is told both times."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    listening = ListeningState()
    tries: list[str] = []

    async def open_device() -> AudioSource:
        tries.append("try")
        if len(tries) == 1:
            raise NoInputDeviceError("no microphone found: this machine has no sound input device")
        return WavSource(recording.path, trailing_silence_s=1.0)

    heard = _Heard()
    lines: list[str] = []
    source = MutableSource(_Unplugged(), open_device, listening, reopen_first_s=0.05)
    voice = await VoiceLoop.start(
        tmp_path, submit=heard.submit, bus=ReplyBus(), recognizer=whisper, listening=listening,
        source=source, on_status=lines.append,
        options=ALWAYS_LISTENING,
    )  # fmt: skip
    try:
        await heard.first(60)
    finally:
        await voice.close()
    assert "time" in heard.texts[0].lower()
    assert len(tries) == 2
    lost = "The microphone stopped (USB Mic stopped): listening again as soon as it is back"
    assert lines.index(lost) < lines.index("The microphone is back: listening again")
    assert listening.microphone_lost is None


async def test_an_utterance_that_cannot_be_heard_costs_only_itself(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """The recognizer fails as the first of two commands begins: the failure is logged with its
    cause and said ("Sorry, I could not hear that…"), the rest of that command is dropped (not
    heard as a command of its own: "time is it?"), and the second command is heard and handed
    on, by the same voice loop."""
    first = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    second = next(r for r in piper_recordings if r.utterance.text == "what's the date today")
    gap = bytes(SAMPLE_RATE_HZ * 2 * 2)  # two seconds of silence between them
    both = write_wav(
        tmp_path / "two.wav",
        read_wav(first.path) + gap + read_wav(second.path),
        SAMPLE_RATE_HZ,
    )
    recognizer = FailsOnce(whisper)
    heard = _Heard()
    published: list[Reply] = []
    with capture_logs() as logs:
        voice = await VoiceLoop.start(
            tmp_path, submit=heard.submit, bus=ReplyBus(), recognizer=recognizer,
            source=WavSource(both, trailing_silence_s=1.0), publish=published.append,
            options=ALWAYS_LISTENING,
        )  # fmt: skip
        try:
            await heard.first(60)
        finally:
            await voice.close()
    assert recognizer.begun == 2  # the rest of the first command was dropped, not decoded
    assert len(heard.texts) == 1
    assert "date" in heard.texts[0].lower()
    (failure,) = [line for line in logs if line["event"] == "voice.hear_failed"]
    assert failure["error"] == "RuntimeError: CTranslate2: out of memory"
    # Listening all the time, whoever spoke was heard as speaking to Jarvis: told once.
    assert [reply.text for reply in published] == [not_heard()]


async def test_a_recognizer_that_keeps_failing_is_not_apologised_for_without_end(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Listening all the time, a broken recognizer would apologise to the echo of its own
    apology: the first failure says "could not hear that", the second that it keeps failing,
    the third nothing; once a command is heard, the next failure is apologised for again."""
    command = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    gap = bytes(SAMPLE_RATE_HZ * 2 * 2)
    five = write_wav(tmp_path / "five.wav", (read_wav(command.path) + gap) * 5, SAMPLE_RATE_HZ)
    recognizer = FailsOn(whisper, frozenset({1, 2, 3, 5}))
    heard = _Heard()
    published: list[Reply] = []
    voice = await VoiceLoop.start(
        tmp_path, submit=heard.submit, bus=ReplyBus(), recognizer=recognizer,
        source=WavSource(five, trailing_silence_s=1.0), publish=published.append,
        options=ALWAYS_LISTENING,
    )  # fmt: skip
    try:
        await heard.first(60)
        await until(
            lambda: recognizer.begun == 5 and len(published) == 3,
            "the fifth command and the third answer",
            within_s=30,
        )
    finally:
        await voice.close()
    assert recognizer.begun == 5
    assert [reply.text for reply in published] == [not_heard(), still_not_heard(), not_heard()]


async def test_a_microphone_plugged_in_after_start_ends_text_only(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Started with no microphone (this machine has none), the loop says it runs text-only and
    hears nothing; once one is plugged in (a stand-in for what ``microphone_plugged_in``
    finds: tests/unit/test_microphone_plug.py) it says so, listens, and hands on the command
    said into it."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "time.now")
    listening = ListeningState()
    plugged_in = asyncio.Event()

    async def open_device() -> AudioSource:
        return WavSource(recording.path, trailing_silence_s=1.0)

    async def microphone_plugged_in() -> AudioSource:
        await plugged_in.wait()
        return MutableSource(await open_device(), open_device, listening)

    heard = _Heard()
    lines: list[str] = []
    voice = await VoiceLoop.start(
        tmp_path, submit=heard.submit, bus=ReplyBus(), recognizer=whisper, listening=listening,
        source_later=microphone_plugged_in, on_status=lines.append,
        options=ALWAYS_LISTENING,
    )  # fmt: skip
    try:
        assert lines == ["text-only: no microphone found: this machine has no sound input device"]
        assert (voice.mode, listening.state) == ("text-only", "off")
        plugged_in.set()
        await heard.first(60)
        assert (voice.mode, listening.microphone) == ("voice", True)
    finally:
        await voice.close()
    plugged = lines.index("A microphone was plugged in")
    assert lines[plugged + 1].startswith("Listening (whisper) all the time")
    assert "time" in heard.texts[0].lower()

"""The voice loop as the edge wires it: real speech in, ``submit`` called, replies spoken."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from assistant.audio.playback import WavFilePlayer
from assistant.audio.wav_source import WavSource, read_wav
from assistant.events import ReplyBus
from assistant.interpreter import interpret
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import until
from assistant.testing_speech import Recording, write_wav
from assistant.voice_loop import VoiceLoop, VoiceOptions
from models import Reply

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
WAIT_S = 60.0
"""How long a voice loop here may take to hear and answer (the models are real)."""


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


async def test_without_a_microphone_replies_are_still_spoken(tmp_path: Path) -> None:
    """No input device: the loop says it runs text-only, and speaks every reply on the bus."""
    lines: list[str] = []
    bus = ReplyBus()
    spoken = tmp_path / "replies.wav"

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        raise AssertionError(f"nothing should be heard, got {text!r}")

    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, on_status=lines.append,
        options=VoiceOptions(speak_to=spoken),
    )  # fmt: skip
    try:
        assert voice.mode == "text-only"
        assert any("text-only" in line and "no microphone" in line for line in lines)
        await until(lambda: bus.subscriber_count == 1, within_s=WAIT_S)
        bus.publish(Reply("Timer set for five minutes."))
        bus.publish(Reply("Your timer is done.", kind="timer"))
        speech = voice.speech
        assert speech is not None
        await until(lambda: len(speech.spoken) == 2, within_s=WAIT_S)
        assert speech.spoken == ["Timer set for five minutes.", "Your timer is done."]
    finally:
        await voice.close()
    assert _seconds(spoken) > 1.5
    assert bus.subscriber_count == 0


async def test_heard_utterances_are_submitted_and_answered(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Two spoken commands in one stream reach ``submit`` in order, each with whether whisper
    doubted it (clear speech: it did not); each reply is spoken."""
    chosen = [r for r in piper_recordings if r.utterance.intent in ("time.now", "media.pause")]
    stream = write_wav(tmp_path / "stream.wav", b"".join(read_wav(r.path) for r in chosen), 16000)
    bus = ReplyBus()
    submitted: list[str] = []
    doubts: list[bool] = []

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        submitted.append(text)
        doubts.append(words_doubted)
        bus.publish(Reply(f"You said {text}"))

    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, recognizer=whisper,
        source=WavSource(stream, trailing_silence_s=1.0),
        options=VoiceOptions(
            stt_engine="whisper", speak_to=tmp_path / "replies.wav", wake_word=None
        ),
    )  # fmt: skip
    try:
        assert voice.mode == "voice"
        speech = voice.speech
        assert speech is not None
        await until(lambda: len(speech.spoken) == 2, within_s=WAIT_S)
    finally:
        await voice.close()
    intents = [i.name if (i := interpret(text)) else None for text in submitted]
    assert intents == [r.utterance.intent for r in chosen]
    assert doubts == [False, False]
    assert _seconds(tmp_path / "replies.wav") > 1.0


async def test_talking_over_jarvis_stops_its_speech(
    piper_recordings: list[Recording], whisper: WhisperRecognizer, tmp_path: Path
) -> None:
    """Speech heard while a reply is being spoken interrupts the reply at once (barge-in)."""
    recording = next(r for r in piper_recordings if r.utterance.intent == "assistant.stop")
    stream = write_wav(tmp_path / "stream.wav", bytes(32000) + read_wav(recording.path), 16000)
    bus = ReplyBus()
    long_reply = "Here is a very long answer that goes on and on. " * 5
    player = WavFilePlayer(tmp_path / "replies.wav", realtime=True)

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        pass

    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, recognizer=whisper, player=player,
        source=WavSource(stream, realtime=True, trailing_silence_s=1.0),
        options=VoiceOptions(stt_engine="whisper", wake_word=None),
    )  # fmt: skip
    try:
        speech = voice.speech
        assert speech is not None
        await until(lambda: bus.subscriber_count == 1, within_s=WAIT_S)
        bus.publish(Reply(long_reply))
        await until(lambda: bool(speech.interrupted), within_s=WAIT_S)
        assert speech.interrupted == [long_reply]
        assert speech.spoken == []
    finally:
        await voice.close()
    assert player.played_s < 3.0

"""Speaking: real voices (pyttsx3/espeak-ng and piper) into WAV files, in order, interruptibly."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from assistant.audio.playback import SoundDevicePlayer, WavFilePlayer
from assistant.errors import NoOutputDeviceError
from assistant.tts import Speech
from assistant.tts.queue import SpeechQueue, load_speaker

pytestmark = pytest.mark.slow


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


@pytest.mark.parametrize("engine", ["pyttsx3", "piper"])
async def test_each_engine_speaks_into_a_wav(engine: str, tmp_path: Path) -> None:
    """pyttsx3 and piper both turn a two-sentence reply into audible speech in the file."""
    path = tmp_path / "reply.wav"
    async with SpeechQueue(await load_speaker(engine), WavFilePlayer(path)) as queue:
        queue.say("Timer set for five minutes. I will tell you when it ends.")
        await queue.drain()
        assert len(queue.spoken) == 1
    assert _seconds(path) > 1.5


async def test_replies_are_spoken_in_order(tmp_path: Path) -> None:
    """Replies queued back to back are spoken one after another, in the order they came."""
    started: list[str] = []
    player = WavFilePlayer(tmp_path / "order.wav")
    speaker = await load_speaker("pyttsx3")
    async with SpeechQueue(speaker, player, on_audio_start=started.append) as queue:
        for text in ("One.", "Two.", "Three."):
            queue.say(text)
        await queue.drain()
        assert queue.spoken == ["One.", "Two.", "Three."]
    assert started == ["One.", "Two.", "Three."]


async def test_replies_from_an_async_stream_are_spoken(tmp_path: Path) -> None:
    """``speak_all`` consumes an async iterator of replies until it ends."""

    async def replies() -> AsyncIterator[str]:
        for text in ("First reply.", "Second reply."):
            yield text

    async with SpeechQueue(await load_speaker("pyttsx3"), WavFilePlayer(tmp_path / "s.wav")) as q:
        await q.speak_all(replies())
        await q.drain()
        assert q.spoken == ["First reply.", "Second reply."]


async def test_say_does_not_wait_for_the_speech(tmp_path: Path) -> None:
    """Queuing a long reply returns at once; the loop stays free while it is spoken."""
    player = WavFilePlayer(tmp_path / "long.wav", realtime=True)
    audio_started = asyncio.Event()
    speaker = await load_speaker("pyttsx3")
    async with SpeechQueue(speaker, player, on_audio_start=lambda _: audio_started.set()) as queue:
        queue.say("This is a long reply that takes a few seconds to speak out loud.")
        assert queue.spoken == []
        await asyncio.wait_for(audio_started.wait(), 10)
        ticks = 0
        while queue.speaking and ticks < 5:  # the loop keeps running other work meanwhile
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 5
        queue.interrupt()


async def test_interrupt_stops_speech_at_once_and_drops_the_queue(tmp_path: Path) -> None:
    """``interrupt`` cuts the current reply short and forgets the queued ones."""
    path = tmp_path / "cut.wav"
    player = WavFilePlayer(path, realtime=True)
    audio_started = asyncio.Event()
    speaker = await load_speaker("pyttsx3")
    long_reply = "This reply is long enough to be interrupted well before it reaches its end."
    full_s = sum(
        [
            len(chunk.pcm) / 2 / chunk.sample_rate_hz
            async for chunk in speaker.synthesize(long_reply)
        ]
    )
    async with SpeechQueue(speaker, player, on_audio_start=lambda _: audio_started.set()) as queue:
        queue.say(long_reply)
        queue.say("This one is never spoken.")
        await asyncio.wait_for(audio_started.wait(), 10)
        await asyncio.sleep(0.3)  # let it speak a little, as a user would before talking over it
        queue.interrupt()
        await queue.drain()
        assert queue.spoken == []
        assert sorted(queue.interrupted) == sorted([long_reply, "This one is never spoken."])
        played_s = player.played_s
        queue.say("Back again.")
        await queue.drain()
        assert queue.spoken == ["Back again."]
    # Cut short: some of it was heard, and far from all of it (no exact timing: machines vary).
    assert 0.0 < played_s < full_s / 2


async def test_the_sound_device_player_reports_a_missing_device() -> None:
    """Without a sound output device the player says so plainly instead of failing later."""
    with pytest.raises(NoOutputDeviceError, match="no sound output device"):
        SoundDevicePlayer()


async def test_wav_player_resamples_later_speech_to_the_file_rate(tmp_path: Path) -> None:
    """Speech at another rate is converted to the rate the file started with."""
    player = WavFilePlayer(tmp_path / "mixed.wav")
    await player.play(Speech(bytes(2 * 22050), 22050))
    await player.play(Speech(bytes(2 * 16000), 16000))
    await player.close()
    assert _seconds(tmp_path / "mixed.wav") == pytest.approx(2.0, abs=0.001)


async def test_an_alarm_tone_plays_before_the_words_in_turn(tmp_path: Path) -> None:
    """A queued alarm tone plays to the end, then the alarm's words are spoken after it."""
    from assistant.audio.alarm_tone import alarm_tone

    tone = alarm_tone()
    path = tmp_path / "alarm.wav"
    async with SpeechQueue(await load_speaker("pyttsx3"), WavFilePlayer(path)) as queue:
        queue.play_sound("alarm", tone)
        queue.say("Wake up! It's 7:00 AM.")
        await queue.drain()
        assert (queue.sounds, queue.spoken) == (["alarm"], ["Wake up! It's 7:00 AM."])
    tone_s = len(tone.pcm) / 2 / tone.sample_rate_hz
    assert 1.0 < tone_s < 3.0
    assert _seconds(path) > tone_s + 0.5

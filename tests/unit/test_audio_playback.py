"""Replies played on the sound device: a speaker that stops mid-reply (pulled out) fails that
reply instead of holding every later one. PortAudio's side is scripted
(``fake_sounddevice.py``): there is no sound hardware here; the speech is espeak-ng's."""

from __future__ import annotations

import asyncio

import pytest
from fake_sounddevice import FakeSoundDevice
from structlog.testing import capture_logs

from assistant.audio.playback import SoundDevicePlayer
from assistant.audio.portaudio import rescan_devices
from assistant.errors import NoOutputDeviceError
from assistant.tts import Speech
from assistant.tts.queue import SpeechQueue, load_speaker

ONE_SECOND = Speech(pcm=bytes(range(256)) * 125, sample_rate_hz=16_000)


@pytest.fixture
def stalling(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    """A speaker whose first reply stops being called back mid-way; a short slack."""
    monkeypatch.setattr("assistant.audio.playback.STALL_SLACK_S", 0.3)
    device = FakeSoundDevice(speaker_stalls=1)
    device.install(monkeypatch)
    return device


async def test_a_speaker_that_stops_mid_reply_fails_it_and_is_released(
    stalling: FakeSoundDevice,
) -> None:
    """Past the reply's length and the slack, the reply fails with the reason; its stream is
    closed and no longer holds PortAudio."""
    stopped = r"the speaker stopped playing: 1\.0 s of speech had not played after 1\.3 s"
    with capture_logs() as logs, pytest.raises(NoOutputDeviceError, match=stopped):
        await asyncio.wait_for(SoundDevicePlayer().play(ONE_SECOND), 10)
    (speaker,) = stalling.speakers
    assert speaker.closed
    assert len(speaker.played) == 5 * 640
    assert await asyncio.to_thread(rescan_devices)
    assert [line["event"] for line in logs] == ["playback.stalled"]


async def test_the_replies_after_a_stalled_one_are_spoken(stalling: FakeSoundDevice) -> None:
    """The speech queue logs the failed reply and speaks the next: a pulled-out speaker costs
    one reply, not every one after it."""
    speaker = await load_speaker("pyttsx3")
    async with SpeechQueue(speaker, SoundDevicePlayer()) as queue:
        with capture_logs() as logs:
            queue.say("The first reply.")
            queue.say("The second reply.")
            await asyncio.wait_for(queue.drain(), 30)
    assert queue.spoken == ["The second reply."]
    (failed,) = [line for line in logs if line["event"] == "tts.failed"]
    assert failed["text"] == "The first reply."
    assert "the speaker stopped playing" in failed["error"]

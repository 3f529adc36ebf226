"""A speaker plugged in after the edge started is found and spoken through, and one pulled out
and put back is found for the next reply. PortAudio reads its device list once, when it starts,
so finding either means starting it again, which would cut the microphone's stream off: the
microphone is closed for that moment and opened again after it (PortAudio's side is scripted:
there is no sound hardware here, ``fake_sounddevice.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_sounddevice import FakeSoundDevice

from assistant.audio.playback import SoundDevicePlayer, WavFilePlayer
from assistant.audio.portaudio import PortAudioRescan
from assistant.audio.wav_source import read_wav
from assistant.errors import NoOutputDeviceError
from assistant.events import ReplyBus
from assistant.listening import ListeningState, MutableSource
from assistant.microphone_plug import open_mutable_microphone
from assistant.speaker_plug import speaker_plugged_in
from assistant.testing import until
from assistant.tts import AudioPlayer, Speech
from assistant.voice_loop import VoiceLoop, VoiceOptions
from models import Reply

REPLY = Speech(pcm=bytes(range(256)) * 25, sample_rate_hz=16_000)  # 0.2 s


async def _still_watching(task: asyncio.Task[SoundDevicePlayer], looks: int = 10) -> None:
    """Let the watcher look ``looks`` times (it looks every 10 ms in these tests)."""
    for _ in range(looks):
        await asyncio.sleep(0.01)
    assert not task.done()


async def _watch(rescan: PortAudioRescan, nodes: Path) -> asyncio.Task[SoundDevicePlayer]:
    """The watcher, started, and past its first look at ``nodes``."""
    task = asyncio.ensure_future(speaker_plugged_in(rescan, watch_s=0.01, nodes=nodes))
    await _still_watching(task, 2)
    return task


class _Listened:
    """A microphone's frames, taken as the voice loop takes them, and counted."""

    def __init__(self, source: MutableSource) -> None:
        self.count = 0
        self._task = asyncio.ensure_future(self._take(source.frames()))

    async def _take(self, frames: AsyncIterator[bytes]) -> None:
        async for _ in frames:
            self.count += 1

    async def more(self) -> None:
        """Wait until more frames come than have come so far."""
        now = self.count
        await until(lambda: self.count > now + 5, "more frames")

    async def stop(self) -> None:
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task


async def test_a_speaker_plugged_in_after_start_is_found_and_played_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No speaker and no microphone: a microphone's node is no reason to look; a speaker's
    is, and the reply after it is played on the device found."""
    device = FakeSoundDevice(plugged_in=False, speaker_plugged_in=False)
    device.install(monkeypatch)
    watching = await _watch(PortAudioRescan(), tmp_path)
    (tmp_path / "pcmC1D0c").touch()  # a microphone
    await _still_watching(watching)
    assert device.restarts == 0
    device.speaker_plugged_in = True
    (tmp_path / "pcmC1D0p").touch()
    player = await asyncio.wait_for(watching, 5)
    assert device.restarts == 1
    await asyncio.wait_for(player.play(REPLY), 10)
    assert bytes(device.speakers[0].played[: len(REPLY.pcm)]) == REPLY.pcm


async def test_a_speaker_plugged_in_while_the_microphone_listens_is_found_around_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The microphone's open stream holds PortAudio, so it is closed for the restart and
    opened again after it; the listening goes on and the microphone never counts as lost."""
    device = FakeSoundDevice(then="live", speaker_plugged_in=False)
    device.install(monkeypatch)
    listening = ListeningState()
    microphone = await open_mutable_microphone(None, listening)
    assert microphone is not None
    listened = _Listened(microphone)
    seen: list[str | None] = []
    listening.on_change(lambda: seen.append(listening.microphone_lost))
    rescan = PortAudioRescan()
    try:
        await listened.more()
        watching = await _watch(rescan, tmp_path)
        device.speaker_plugged_in = True
        (tmp_path / "pcmC1D0p").touch()
        # Without the microphone to close, the restart is refused: nothing is found.
        await _still_watching(watching, 20)
        assert device.restarts == 0
        rescan.microphone = microphone
        player = await asyncio.wait_for(watching, 5)
        assert (device.restarts, device.opened) == (1, 2)
        await listened.more()
    finally:
        await listened.stop()
        await microphone.close()
    assert (seen, listening.microphone_lost) == ([], None)
    assert isinstance(player, SoundDevicePlayer)


async def test_a_speaker_put_back_is_found_for_the_next_reply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pulled out, the reply fails with why (PortAudio is restarted once, in case it came
    back as another device); put back, the next reply restarts PortAudio and plays."""
    device = FakeSoundDevice(plugged_in=False)
    device.install(monkeypatch)
    player = SoundDevicePlayer(rescan=PortAudioRescan())
    await asyncio.wait_for(player.play(REPLY), 10)
    device.speaker_plugged_in = False
    with pytest.raises(NoOutputDeviceError, match="the speaker cannot be opened: Error querying"):
        await player.play(REPLY)
    assert device.restarts == 1
    device.speaker_plugged_in = True
    await asyncio.wait_for(player.play(REPLY), 10)
    assert device.restarts == 2
    assert [bytes(s.played[: len(REPLY.pcm)]) for s in device.speakers] == [REPLY.pcm] * 2


async def test_without_a_rescan_a_speaker_that_will_not_open_fails_the_reply(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device = FakeSoundDevice(plugged_in=False)
    device.install(monkeypatch)
    player = SoundDevicePlayer()
    device.speaker_plugged_in = False
    with pytest.raises(NoOutputDeviceError, match="the speaker cannot be opened"):
        await player.play(REPLY)
    assert device.restarts == 0


async def test_a_voice_loop_without_a_speaker_speaks_once_one_is_plugged_in(
    tmp_path: Path,
) -> None:
    """This machine has no sound output: the loop says replies are shown, not spoken; once a
    speaker is plugged in (a stand-in for what ``speaker_plugged_in`` finds, writing a WAV) it
    says so and speaks the replies after it, not the ones before."""
    plugged_in = asyncio.Event()
    spoken = tmp_path / "spoken.wav"

    async def speaker_later(rescan: PortAudioRescan) -> AudioPlayer:
        await plugged_in.wait()
        return WavFilePlayer(spoken)

    async def submit(text: str, *, words_doubted: bool = False) -> None:
        raise AssertionError("nothing is heard here")

    bus = ReplyBus()
    listening = ListeningState()
    lines: list[str] = []
    voice = await VoiceLoop.start(
        tmp_path, submit=submit, bus=bus, options=VoiceOptions(tts_engine="pyttsx3"),
        on_status=lines.append, listening=listening, speaker_later=speaker_later,
    )  # fmt: skip
    try:
        assert "no sound output device: replies cannot be played aloud; replies are shown, " \
            "not spoken" in lines  # fmt: skip
        assert (voice.speech, listening.speaker) == (None, False)
        bus.publish(Reply("This one is shown only, as there is no speaker to say it."))
        plugged_in.set()
        await until(lambda: bus.subscriber_count == 1, "the speech queue to subscribe")
        assert listening.view()["speaker"] is True
        bus.publish(Reply("Done."))
        speech = voice.speech
        assert speech is not None
        await until(lambda: speech.idle and spoken.exists(), "the reply to be spoken")
    finally:
        await voice.close()
    assert lines[-1] == "A speaker was plugged in: replies are spoken"
    seconds = len(read_wav(spoken)) / 32_000  # 16 kHz int16
    assert 0.2 < seconds < 2.0  # "Done.", not the long reply before it


async def test_a_microphone_nobody_listens_to_is_not_closed_for_a_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Closed only by the listening itself, between two frames: with nobody taking its frames
    the ask is withdrawn, nothing runs; muted (no device open), it runs at once."""
    device = FakeSoundDevice(then="live")
    device.install(monkeypatch)
    listening = ListeningState()
    microphone = await open_mutable_microphone(None, listening)
    assert microphone is not None
    ran: list[str] = []

    def between() -> bool:
        ran.append("restarted")
        return True

    try:
        assert not await microphone.reopened_around(between, wait_s=0.05)
        assert (ran, device.closed.is_set()) == ([], False)
        listening.set_muted(True)
        listened = _Listened(microphone)  # takes none: muted, it lets go of the device
        await until(device.closed.is_set, "the muted microphone to close")
        assert await microphone.reopened_around(between)
        assert ran == ["restarted"]
        await listened.stop()
    finally:
        await microphone.close()

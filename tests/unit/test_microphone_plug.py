"""A microphone plugged in after the edge started is found and listened to; one put back after
it was pulled out is looked for among the devices plugged in now. PortAudio reads its device
list once, when it starts, so finding either means starting it again: never while a stream is
open, since that would close it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sounddevice
from fake_sounddevice import FakeSoundDevice

from assistant.audio.hotplug import sound_nodes
from assistant.audio.microphone import Microphone
from assistant.audio.playback import SoundDevicePlayer
from assistant.audio.portaudio import close_stream, open_stream, opened_in_thread, rescan_devices
from assistant.errors import NoInputDeviceError
from assistant.listening import ListeningState, MutableSource
from assistant.microphone_plug import microphone_plugged_in
from assistant.tts import Speech


class _Stream:
    """A stream being played (a reply): all PortAudio needs to know is that it is open."""

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_the_real_portaudio_is_started_again_only_while_no_stream_is_open() -> None:
    """The real library: restarted, it lists devices again; with a stream open it is left
    alone (restarting would close the stream), and once that closes it may restart again."""
    assert rescan_devices()
    assert sounddevice._initialized == 1
    sounddevice.query_devices()  # answers after the restart (an empty list here)
    playing = open_stream(_Stream)
    assert not rescan_devices()
    close_stream(playing)
    assert playing.closed
    assert rescan_devices()
    assert sounddevice._initialized == 1


@pytest.mark.parametrize("barge_in", [False, True])
async def test_a_reply_holds_portaudio_while_it_plays(
    monkeypatch: pytest.MonkeyPatch, barge_in: bool
) -> None:
    """The speaker's stream counts as open from its first block to its end, played out or cut
    off (barge-in): PortAudio is never restarted under it, and may be once it is closed."""
    device = FakeSoundDevice()
    device.install(monkeypatch)
    speaker = device.speakers
    reply = Speech(pcm=bytes(range(256)) * 125, sample_rate_hz=16_000)  # 1 s
    playing = asyncio.ensure_future(SoundDevicePlayer().play(reply))
    for _ in range(500):
        if speaker and speaker[0].heard.is_set():
            break
        await asyncio.sleep(0.01)
    assert not await asyncio.to_thread(rescan_devices)
    if barge_in:
        playing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await playing
        assert len(speaker[0].played) < len(reply.pcm)
    else:
        await asyncio.wait_for(playing, 10)
        assert bytes(speaker[0].played[: len(reply.pcm)]) == reply.pcm
    assert await asyncio.to_thread(rescan_devices)
    assert device.restarts == 1


def test_sound_nodes_are_the_recording_and_playing_devices_of_dev_snd(tmp_path: Path) -> None:
    """``pcmC1D0c`` is a card's capture device, ``pcmC0D0p`` a playback one; control nodes are
    neither; a missing folder is a machine without any sound card, one that cannot be read no
    signal."""
    for name in ("controlC0", "pcmC0D0p", "pcmC1D0c", "timer"):
        (tmp_path / name).touch()
    assert sound_nodes("capture", tmp_path) == {"pcmC1D0c"}
    assert sound_nodes("playback", tmp_path) == {"pcmC0D0p"}
    assert sound_nodes("capture", tmp_path / "missing") == frozenset()
    assert sound_nodes("capture", tmp_path / "timer") is None  # not a folder


async def test_a_microphone_put_back_is_found_only_among_the_devices_plugged_in_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plugged in after PortAudio started, the device is not in its list; ``rescan`` (what the
    edge does once its microphone was lost) finds it."""
    device = FakeSoundDevice(plugged_in=False)
    device.install(monkeypatch)
    with pytest.raises(NoInputDeviceError, match="no microphone found"):
        await Microphone.open()
    device.plugged_in = True
    with pytest.raises(NoInputDeviceError, match="no microphone found"):
        await Microphone.open()
    microphone = await Microphone.open(rescan=True)
    assert (microphone.device.name, device.restarts) == ("USB Mic", 1)
    await microphone.close()


async def _watches(task: asyncio.Task[MutableSource], count: int = 10) -> None:
    """Let the watcher look ``count`` times (it looks every 10 ms in these tests)."""
    for _ in range(count):
        await asyncio.sleep(0.01)
    assert not task.done()


async def _restarted(device: FakeSoundDevice, times: int) -> None:
    for _ in range(500):
        if device.restarts >= times:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"PortAudio restarted {device.restarts} times, not {times}")


async def _watching(
    listening: ListeningState, nodes: Path, **timing: float
) -> asyncio.Task[MutableSource]:
    """The watcher, started, and past its first look at ``nodes``."""
    timing.setdefault("watch_s", 0.01)
    task = asyncio.ensure_future(microphone_plugged_in(None, listening, nodes=nodes, **timing))
    await _watches(task, 2)
    return task


async def test_a_microphone_plugged_in_after_start_is_found_and_heard(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No microphone: PortAudio is not restarted while nothing is plugged in (nor for a
    speaker); a capture device appears in /dev/snd, and it is opened and heard, behind the
    mute switch."""
    device = FakeSoundDevice(2, "quiet", plugged_in=False)
    device.install(monkeypatch)
    listening = ListeningState()
    watching = await _watching(listening, tmp_path)
    await _watches(watching)
    (tmp_path / "pcmC0D0p").touch()  # a speaker
    await _watches(watching)
    assert device.restarts == 0
    assert not listening.microphone
    device.plugged_in = True
    (tmp_path / "pcmC1D0c").touch()
    source = await asyncio.wait_for(watching, 5)
    assert (device.restarts, device.opened) == (1, 1)
    assert listening.microphone
    frames = source.frames()
    assert [await anext(frames), await anext(frames)] == [bytes([0]) * 640, bytes([1]) * 640]
    await frames.aclose()
    await source.close()
    assert device.closed.is_set()


async def test_a_card_not_ready_when_its_node_appears_is_looked_for_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """udev may add the node before the card can be opened: a few more looks follow."""
    device = FakeSoundDevice(plugged_in=False)
    device.install(monkeypatch)
    watching = await _watching(ListeningState(), tmp_path, watch_s=0.05)
    (tmp_path / "pcmC1D0c").touch()
    await _restarted(device, 1)
    device.plugged_in = True
    source = await asyncio.wait_for(watching, 5)
    assert device.restarts == 2
    await source.close()


async def test_a_reply_playing_puts_the_look_off_until_it_ends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Restarting PortAudio would cut the reply off: the look waits for it, and is not spent."""
    device = FakeSoundDevice(plugged_in=True)
    device.install(monkeypatch)
    watching = await _watching(ListeningState(), tmp_path)
    playing = open_stream(_Stream)
    try:
        (tmp_path / "pcmC1D0c").touch()
        await _watches(watching, 20)  # more looks than a node change allows
        assert device.restarts == 0
    finally:
        close_stream(playing)
    source = await asyncio.wait_for(watching, 5)
    assert device.restarts == 1
    await source.close()


async def test_nothing_is_opened_while_muted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A person who muted the microphone asked for none: plugged in meanwhile, it is opened
    only once unmuted."""
    device = FakeSoundDevice(plugged_in=True)
    device.install(monkeypatch)
    listening = ListeningState()
    listening.set_muted(True)
    watching = await _watching(listening, tmp_path)
    (tmp_path / "pcmC1D0c").touch()
    await _watches(watching)
    assert device.opened == 0
    listening.set_muted(False)
    source = await asyncio.wait_for(watching, 5)
    assert device.opened == 1
    await source.close()


async def test_without_dev_snd_the_list_is_read_anew_now_and_then(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """macOS and Windows have no folder to watch: PortAudio is restarted every
    ``rescan_every_s`` instead."""
    monkeypatch.setattr("assistant.audio.hotplug.sys.platform", "darwin")
    device = FakeSoundDevice(plugged_in=False)
    device.install(monkeypatch)
    watching = await _watching(ListeningState(), tmp_path, rescan_every_s=0.05)
    await _restarted(device, 2)
    device.plugged_in = True
    source = await asyncio.wait_for(watching, 5)
    await source.close()


async def test_a_device_opened_for_a_caller_who_left_is_closed() -> None:
    """Cancelled while the device opens (in a thread, which cannot be stopped), the caller
    gets nothing and the device, once open, is closed rather than held by nobody."""
    may_open, closed = threading.Event(), threading.Event()
    device = _Stream()

    def opening() -> _Stream:
        may_open.wait(5)
        return device

    def closing(opened: _Stream) -> None:
        opened.close()
        closed.set()

    attempt = asyncio.ensure_future(opened_in_thread(opening, closing))
    await asyncio.sleep(0.05)
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    may_open.set()
    assert await asyncio.to_thread(closed.wait, 5)
    assert device.closed

"""The microphone adapter: a clear error without a device; frames cross threads in order."""

from __future__ import annotations

import asyncio
import threading

import pytest
from fake_sounddevice import FakeSoundDevice

from assistant.audio.microphone import FrameBridge, InputDevice, Microphone, choose_device
from assistant.errors import MicrophoneLost, NoInputDeviceError

DEVICES = [
    InputDevice(0, "HDA Intel PCH: ALC256 Analog", 2, 44100.0),
    InputDevice(3, "USB Mic", 1, 48000.0),
]


async def test_opening_without_any_input_device_is_a_clear_error() -> None:
    """On this machine (no sound hardware) opening the microphone says so, without a traceback."""
    with pytest.raises(NoInputDeviceError, match="no microphone found"):
        await Microphone.open()


@pytest.mark.parametrize(("wanted", "index"), [(None, 0), ("usb", 3), (3, 3), ("3", 3), ("", 0)])
def test_device_is_chosen_by_name_or_index(wanted: str | int | None, index: int) -> None:
    """A device is picked by a case-blind part of its name or by its index; default is the first."""
    assert choose_device(wanted, DEVICES).index == index


def test_unknown_device_lists_the_ones_that_exist() -> None:
    """Asking for a device that is not there names the devices that are."""
    with pytest.raises(NoInputDeviceError, match="USB Mic"):
        choose_device("webcam", DEVICES)


async def test_frames_cross_from_the_audio_thread_in_order() -> None:
    """Frames pushed from another thread arrive on the loop in order, and the end is signalled."""
    bridge = FrameBridge(asyncio.get_running_loop())

    def audio_thread() -> None:
        for n in range(100):
            bridge.from_thread(bytes([n]) * 4)
        bridge.end_from_thread()

    thread = threading.Thread(target=audio_thread)
    thread.start()
    received = []
    while (frame := await asyncio.wait_for(bridge.queue.get(), 5)) is not None:
        assert isinstance(frame, bytes)
        received.append(frame[0])
    thread.join()
    assert received == list(range(100))


async def test_a_lagging_loop_drops_the_oldest_frames() -> None:
    """When the loop falls behind, the oldest frames go first and are counted."""
    bridge = FrameBridge(asyncio.get_running_loop(), max_frames=3)
    for n in range(5):
        bridge.from_thread(bytes([n]))
    await asyncio.sleep(0)
    assert [bridge.queue.get_nowait() for _ in range(3)] == [b"\x02", b"\x03", b"\x04"]
    assert bridge.dropped == 2


async def _opened(monkeypatch: pytest.MonkeyPatch, device: FakeSoundDevice) -> Microphone:
    device.install(monkeypatch)
    return await Microphone.open(stall_s=0.3)


@pytest.mark.parametrize(
    ("then", "says"),
    [("finished", "USB Mic stopped"), ("quiet", "USB Mic sent no sound for 0.3 s")],
)
async def test_a_device_that_stops_by_itself_is_lost_after_its_last_frame(
    monkeypatch: pytest.MonkeyPatch, then: str, says: str
) -> None:
    """Every frame it sent is passed on, then ``MicrophoneLost`` says why: never a silent
    hang of the voice loop on a queue nobody fills."""
    microphone = await _opened(monkeypatch, FakeSoundDevice(5, then))
    received: list[int] = []

    async def listen() -> None:
        async for frame in microphone.frames():
            received.append(frame[0])

    with pytest.raises(MicrophoneLost, match=says):
        await listen()
    assert received == [0, 1, 2, 3, 4]
    await microphone.close()


async def test_a_microphone_closed_by_its_owner_just_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing stops the stream, which calls PortAudio's finished callback too: that is an end,
    not a lost device."""
    device = FakeSoundDevice(3, "quiet")
    microphone = await _opened(monkeypatch, device)
    received = []
    async for frame in microphone.frames():
        received.append(frame[0])
        if len(received) == 3:
            await microphone.close()
    assert received == [0, 1, 2]
    assert device.closed.is_set()

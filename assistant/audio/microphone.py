"""The microphone as an audio source, through sounddevice (PortAudio).

PortAudio calls back on its own thread; each frame is copied there and handed to the event loop
with ``call_soon_threadsafe``, the only asyncio call that is safe from another thread.

A device that stops by itself (a USB microphone pulled out, a driver that failed) ends
:meth:`Microphone.frames` with ``MicrophoneLost``: PortAudio either finishes the stream (its
``finished_callback``) or, as ALSA often does, just stops calling back, so a live device that
sends nothing for ``STALL_S`` counts as gone too. Either way it is never a silent hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog

from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES
from assistant.audio.portaudio import load_sounddevice
from assistant.errors import MicrophoneLost, NoInputDeviceError

log = structlog.get_logger(__name__)

QUEUE_FRAMES = 500
"""Frames (10 s) the loop may fall behind by before the oldest are dropped."""
STALL_S = 3.0
"""A live device sends a frame every 20 ms, speech or silence: this long without one (while the
loop waits for it), the device is gone."""


@dataclass(frozen=True, slots=True)
class _Stopped:
    """Put on the queue when PortAudio finished the stream: by our ``close``, or by itself."""


@dataclass(frozen=True, slots=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default_rate_hz: float


def input_devices() -> list[InputDevice]:
    """The sound devices that can record; empty (never an error) on a machine without any."""
    sounddevice = load_sounddevice()
    try:
        devices: Any = sounddevice.query_devices()
    except sounddevice.PortAudioError:
        return []
    return [
        InputDevice(i, str(d["name"]), int(d["max_input_channels"]), float(d["default_samplerate"]))
        for i, d in enumerate(devices)
        if int(d["max_input_channels"]) > 0
    ]


def choose_device(wanted: str | int | None, devices: list[InputDevice]) -> InputDevice:
    """The device named (a substring, case-blind) or numbered ``wanted``, else the first one."""
    if not devices:
        raise NoInputDeviceError("no microphone found: this machine has no sound input device")
    if wanted is None or wanted == "":
        return devices[0]
    if isinstance(wanted, int) or str(wanted).isdigit():
        matches = [d for d in devices if d.index == int(wanted)]
    else:
        matches = [d for d in devices if str(wanted).lower() in d.name.lower()]
    if not matches:
        names = ", ".join(f"{d.index}: {d.name}" for d in devices)
        raise NoInputDeviceError(f"no input device matches {wanted!r}; there are {names}")
    return matches[0]


class FrameBridge:
    """Carries frames from the audio thread into an asyncio queue, dropping the oldest if full."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_frames: int = QUEUE_FRAMES):
        self._loop = loop
        self.queue: asyncio.Queue[bytes | _Stopped | None] = asyncio.Queue(maxsize=max_frames)
        self.dropped = 0

    def from_thread(self, frame: bytes) -> None:
        """Called on the audio thread: never touches the queue directly."""
        self._loop.call_soon_threadsafe(self._put, frame)

    def end_from_thread(self) -> None:
        self._loop.call_soon_threadsafe(self._put, None)

    def stopped_from_thread(self) -> None:
        """PortAudio's ``finished_callback``: the stream became inactive."""
        self._loop.call_soon_threadsafe(self._put, _Stopped())

    def _put(self, frame: bytes | _Stopped | None) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(frame)


class Microphone:
    """Implements ``AudioSource`` on a sound input device, 16 kHz mono int16."""

    def __init__(
        self, device: InputDevice, stream: Any, bridge: FrameBridge, stall_s: float = STALL_S
    ):
        self.device = device
        self._stream = stream
        self._bridge = bridge
        self._stall_s = stall_s
        self._closed = False

    @classmethod
    async def open(cls, wanted: str | int | None = None, stall_s: float = STALL_S) -> Microphone:
        """Open and start the device; ``NoInputDeviceError`` when there is none."""
        sounddevice = load_sounddevice()
        device = choose_device(wanted, await asyncio.to_thread(input_devices))
        bridge = FrameBridge(asyncio.get_running_loop())

        def callback(indata: Any, _frames: int, _time: Any, status: Any) -> None:
            if status:
                log.debug("microphone.status", status=str(status))
            bridge.from_thread(bytes(indata))

        try:
            stream = sounddevice.RawInputStream(
                samplerate=SAMPLE_RATE_HZ,
                blocksize=FRAME_BYTES // SAMPLE_WIDTH_BYTES,
                device=device.index,
                channels=1,
                dtype="int16",
                callback=callback,
                finished_callback=bridge.stopped_from_thread,
            )
            stream.start()
        except sounddevice.PortAudioError as error:
            raise NoInputDeviceError(f"cannot open microphone {device.name!r}: {error}") from None
        log.info("microphone.open", device=device.name, index=device.index)
        return cls(device, stream, bridge, stall_s)

    async def frames(self) -> AsyncIterator[bytes]:
        """The device's frames until :meth:`close`; ``MicrophoneLost`` if it stops by itself."""
        while True:
            try:
                async with asyncio.timeout(self._stall_s):
                    frame = await self._bridge.queue.get()
            except TimeoutError:
                if self._closed:
                    return
                raise MicrophoneLost(
                    f"{self.device.name} sent no sound for {self._stall_s:g} s"
                ) from None
            if frame is None or (isinstance(frame, _Stopped) and self._closed):
                return
            if isinstance(frame, _Stopped):
                raise MicrophoneLost(f"{self.device.name} stopped")
            yield frame

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.to_thread(self._stream.close)  # waits for the audio thread to stop
        except load_sounddevice().PortAudioError as error:
            # A device that was pulled out may fail to close; it is released either way.
            log.warning("microphone.close_failed", device=self.device.name, error=str(error))
        self._bridge.end_from_thread()
        if self._bridge.dropped:
            log.warning("microphone.frames_dropped", dropped=self._bridge.dropped)

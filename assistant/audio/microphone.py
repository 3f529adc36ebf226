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
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import structlog

from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES
from assistant.audio.portaudio import (
    close_stream,
    load_sounddevice,
    open_stream,
    opened_in_thread,
    query_devices,
    rescan_devices,
)
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


def input_devices(rescan: bool = False) -> list[InputDevice]:
    """The sound devices that can record; empty (never an error) on a machine without any.
    ``rescan``: as plugged in now, not as when PortAudio started (when no stream is open).
    Blocking: call it from a thread."""
    sounddevice = load_sounddevice()
    if rescan:
        rescan_devices()
    try:
        devices: Any = query_devices()
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
    async def open(
        cls, wanted: str | int | None = None, stall_s: float = STALL_S, *, rescan: bool = False
    ) -> Microphone:
        """Open and start the device; ``NoInputDeviceError`` when there is none. ``rescan``:
        look for it among the devices plugged in now (one pulled out and put back may have
        another number; one plugged in after start is not in PortAudio's first list)."""
        sounddevice = load_sounddevice()
        bridge = FrameBridge(asyncio.get_running_loop())

        def callback(indata: Any, _frames: int, _time: Any, status: Any) -> None:
            if status:
                log.debug("microphone.status", status=str(status))
            bridge.from_thread(bytes(indata))

        def start() -> tuple[InputDevice, Any]:
            # Chosen and opened under one hold of PortAudio: a rescan in between would
            # renumber the devices.
            device = choose_device(wanted, input_devices(rescan))
            stream = None
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
                if stream is not None:  # opened, but would not start
                    with contextlib.suppress(sounddevice.PortAudioError):
                        stream.close()
                raise NoInputDeviceError(
                    f"cannot open microphone {device.name!r}: {error}"
                ) from None
            return device, stream

        device, stream = await opened_in_thread(
            lambda: open_stream(start), lambda opened: close_stream(opened[1])
        )
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
            # Waits for the audio thread to stop.
            await asyncio.to_thread(close_stream, self._stream)
        except load_sounddevice().PortAudioError as error:
            # A device that was pulled out may fail to close; it is released either way.
            log.warning("microphone.close_failed", device=self.device.name, error=str(error))
        self._bridge.end_from_thread()
        if self._bridge.dropped:
            log.warning("microphone.frames_dropped", dropped=self._bridge.dropped)

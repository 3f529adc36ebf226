"""A microphone that stops by itself (unplugged) is ``lost`` and opened again until it is back;
Jarvis is never left deaf until a restart.

The devices are stand-ins (``AudioSource``s that yield bytes): this machine has no sound
hardware. ``tests/unit/test_audio_microphone.py`` shows the real adapter raising
``MicrophoneLost`` from PortAudio's side.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from structlog.testing import capture_logs

from assistant.audio import AudioSource
from assistant.errors import MicrophoneLost, NoInputDeviceError
from assistant.listening import ListeningState, MutableSource


class _Device:
    """Yields ``frames`` one-byte frames of ``mark``, then is lost (``MicrophoneLost``) or, with
    ``lost=False``, ends as a file does."""

    def __init__(self, mark: bytes, frames: int, *, lost: bool) -> None:
        self._mark, self._frames, self._lost = mark, frames, lost
        self.closed = False

    async def frames(self) -> AsyncIterator[bytes]:
        for _ in range(self._frames):
            await asyncio.sleep(0)
            yield self._mark
        if self._lost:
            raise MicrophoneLost("USB Mic stopped")

    async def close(self) -> None:
        self.closed = True


class _Plug:
    """Opens devices as the plug allows: a script of ``NoInputDeviceError``s and devices."""

    def __init__(self, *script: _Device | None) -> None:
        self._script = list(script)
        self.tries = 0

    async def open(self) -> AudioSource:
        self.tries += 1
        device = self._script.pop(0)
        if device is None:
            raise NoInputDeviceError("no microphone found: this machine has no sound input device")
        return device


async def test_a_lost_microphone_is_opened_again_and_heard_once_it_is_back() -> None:
    """Unplugged: the frames it sent pass, the state says ``lost`` with the reason, two tries
    find no device, the third opens it, and its frames follow; one warning, one line when
    it is back."""
    first, back = _Device(b"a", 3, lost=True), _Device(b"b", 2, lost=False)
    plug = _Plug(None, None, back)
    listening = ListeningState()
    states: list[tuple[str, str | None]] = []
    listening.on_change(lambda: states.append((listening.state, listening.microphone_lost)))
    source = MutableSource(first, plug.open, listening, reopen_first_s=0.01)
    with capture_logs() as logs:
        heard = [frame async for frame in source.frames()]
    assert heard == [b"a"] * 3 + [b"b"] * 2
    assert first.closed
    assert (plug.tries, source.reopen_failures) == (3, 2)
    assert states == [
        ("lost", "USB Mic stopped"),
        ("lost", "no microphone found: this machine has no sound input device"),
        ("waiting", None),
    ]
    events = [(line["event"], line["log_level"]) for line in logs]
    assert events.count(("listening.microphone_lost", "warning")) == 1
    assert events.count(("listening.microphone_back", "info")) == 1
    assert listening.view()["microphone_lost"] is None


async def test_a_lost_microphone_is_not_sought_while_muted() -> None:
    """Muted while lost, nothing is opened (a person asked for no microphone); unmuted, it is
    sought again."""
    plug = _Plug(None, _Device(b"b", 1, lost=False))
    listening = ListeningState()
    source = MutableSource(
        _Device(b"a", 1, lost=True), plug.open, listening, reopen_first_s=0.2, reopen_max_s=0.2
    )
    frames = source.frames()
    assert await anext(frames) == b"a"
    following = asyncio.ensure_future(anext(frames))
    for _ in range(100):
        if plug.tries:
            break
        await asyncio.sleep(0.01)
    assert plug.tries == 1
    assert listening.view()["state"] == "lost"
    listening.set_muted(True)
    await asyncio.sleep(0.5)  # past two tries' delay
    assert plug.tries == 1
    assert listening.view()["state"] == "muted"
    listening.set_muted(False)
    assert await asyncio.wait_for(following, 5) == b"b"
    assert plug.tries == 2
    assert listening.view()["state"] == "waiting"
    await frames.aclose()


async def test_a_source_that_ends_as_a_file_does_is_not_lost() -> None:
    """A file (or stdin) that ends is the end of listening, as before, not a device to seek."""
    plug = _Plug()
    listening = ListeningState()
    source = MutableSource(_Device(b"a", 2, lost=False), plug.open, listening)
    assert [frame async for frame in source.frames()] == [b"a", b"a"]
    assert plug.tries == 0
    assert listening.microphone_lost is None


async def test_a_device_that_opens_but_stays_silent_is_not_back() -> None:
    """PortAudio may still list a device that was pulled out and open it, silent: it is not
    back until it sends sound, and it is tried again after a pause, not at once."""
    silent, back = _Device(b"s", 0, lost=True), _Device(b"b", 1, lost=False)
    plug = _Plug(silent, back)
    listening = ListeningState()
    states: list[tuple[str, str | None]] = []
    listening.on_change(lambda: states.append((listening.state, listening.microphone_lost)))
    source = MutableSource(_Device(b"a", 2, lost=True), plug.open, listening, reopen_first_s=0.01)
    with capture_logs() as logs:
        heard = [frame async for frame in source.frames()]
    assert heard == [b"a", b"a", b"b"]
    assert silent.closed
    assert (plug.tries, source.reopen_failures) == (2, 1)
    assert states == [("lost", "USB Mic stopped"), ("waiting", None)]
    events = [line["event"] for line in logs]
    assert events.count("listening.microphone_lost") == 1
    assert events.count("listening.microphone_back") == 1

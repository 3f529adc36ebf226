"""sounddevice, or one clear reason there is no sound: PortAudio is a system library that a
machine may lack, and sounddevice then fails on import with ``OSError``.

PortAudio reads the list of devices once, when it starts: a microphone plugged in later is not
in it, and one plugged in again may come back under another number. ``rescan_devices`` starts
PortAudio again to read the list anew, which is what sounddevice's maintainer advises (its
issue #125); but starting again closes every open stream, so every stream of this process is
opened and closed through ``open_stream`` / ``close_stream``, and the list is read again only
while none is open. One lock keeps the list still while a device is chosen from it and opened.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import structlog

from assistant.errors import PortAudioMissingError

log = structlog.get_logger(__name__)

T = TypeVar("T")

_lock = threading.RLock()
"""Held while PortAudio's device list is read, a stream is opened or closed, or the list is
read anew: PortAudio must not be restarted under any of them."""
_open_streams = 0

INSTALL = {
    "linux": "sudo apt-get install libportaudio2",
    "darwin": "brew install portaudio",
    "win32": "pip install --force-reinstall sounddevice",
}


def load_sounddevice() -> Any:
    """The sounddevice module (untyped, hence Any); ``PortAudioMissingError`` naming what to
    install otherwise."""
    try:
        import sounddevice
    except OSError:  # "PortAudio library not found"
        command = INSTALL.get(sys.platform, INSTALL["linux"])
        raise PortAudioMissingError(
            f"the PortAudio library is missing, so there is no microphone and no speech; "
            f"install it ({command}) and start again"
        ) from None
    return sounddevice


def open_stream(make: Callable[[], T]) -> T:
    """``make()`` (which opens and starts a stream, and may first choose its device from
    ``query_devices``), with the device list held still; counted open until ``close_stream``.
    Blocking: call it from a thread."""
    global _open_streams
    with _lock:
        stream = make()
        _open_streams += 1
    return stream


def close_stream(stream: Any) -> None:
    """Close a stream ``open_stream`` opened (waits for its audio thread); it no longer counts
    as open even if closing fails (a device pulled out)."""
    global _open_streams
    with _lock:
        try:
            stream.close()
        finally:
            _open_streams -= 1


def query_devices() -> Any:
    """sounddevice's ``query_devices``, never in the middle of a rescan."""
    with _lock:
        return load_sounddevice().query_devices()


def rescan_devices() -> bool:
    """Start PortAudio again so that its device list holds what is plugged in now; False (the
    list stays as it was) while any stream is open, or when PortAudio would not start.
    Blocking (a few ms with no sound card, more where ALSA probes many): call it from a thread.
    """
    sounddevice = load_sounddevice()
    with _lock:
        if _open_streams:
            return False
        if sounddevice._initialized:  # 0 after a rescan that could not start it again
            sounddevice._terminate()
        try:
            sounddevice._initialize()
        except sounddevice.PortAudioError as error:
            log.warning("portaudio.rescan_failed", error=str(error))
            return False
    return True


async def opened_in_thread(opening: Callable[[], T], closing: Callable[[T], None]) -> T:
    """``opening()`` in a thread; if the caller is cancelled meanwhile, what it opens is closed
    (in a thread of its own) once it is open, so no device is left held by nobody."""
    attempt = asyncio.ensure_future(asyncio.to_thread(opening))
    try:
        return await asyncio.shield(attempt)
    except asyncio.CancelledError:

        def close_when_open(done: asyncio.Future[T]) -> None:
            if not done.cancelled() and done.exception() is None:
                threading.Thread(target=closing, args=(done.result(),), daemon=True).start()

        attempt.add_done_callback(close_when_open)
        raise


class ClosesAround(Protocol):
    """A source that can close its device for a moment (``MutableSource``)."""

    async def reopened_around(self, between: Callable[[], bool]) -> bool: ...


class PortAudioRescan:
    """``rescan_devices`` even while the edge's microphone is open (which the voice loop sets
    once it has one): the microphone is closed for those milliseconds and opened again after,
    so the listening goes on, a few frames short. How a speaker plugged in since is found."""

    def __init__(self) -> None:
        self.microphone: ClosesAround | None = None

    async def __call__(self) -> bool:
        """True once the list was read anew; False while a stream other than the microphone's
        holds PortAudio (a recording mission), or when it would not start."""
        if await asyncio.to_thread(rescan_devices):
            return True
        if self.microphone is None:
            return False
        restarted = await self.microphone.reopened_around(rescan_devices)
        log.info("portaudio.restarted_around_microphone", restarted=restarted)
        return restarted

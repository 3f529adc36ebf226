"""Push-to-talk: a key in the terminal (works over SSH), or a global key in a desktop session.

Terminals report key presses but never releases. Holding a key makes the terminal repeat it, so:
a press followed by repeats is a hold, and it ends when the repeats stop; a press with no repeat
is a tap, which toggles talking on until the next tap. The timers here wait on key events with a
deadline; nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import sys
import termios
import tty
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from types import TracebackType
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class Ptt(enum.Enum):
    PRESS = "press"
    """Start listening (and stop Jarvis speaking)."""
    RELEASE = "release"
    """The user is done talking: end the utterance now."""


class _State(enum.Enum):
    IDLE = enum.auto()
    PENDING = enum.auto()  # pressed; a repeat within REPEAT_WAIT_S would make it a hold
    HOLDING = enum.auto()
    TOGGLED = enum.auto()
    COOLDOWN = enum.auto()  # toggled off; ignore the tail of that keystroke's repeats


class TerminalHotkey:
    """Push-to-talk on a terminal key; an async context manager that yields ``Ptt`` events."""

    def __init__(
        self,
        key: str = " ",
        *,
        fd: int | None = None,
        repeat_wait_s: float = 0.7,
        release_gap_s: float = 0.2,
    ):
        self._key = key.encode()
        self._fd = sys.stdin.fileno() if fd is None else fd
        # Terminals start repeating after their "repeat delay" (250-660 ms usually), then every
        # 30-50 ms; SSH adds jitter, hence the generous gap before a hold counts as released.
        self._repeat_wait_s = repeat_wait_s
        self._release_gap_s = release_gap_s
        self._events: asyncio.Queue[Ptt] = asyncio.Queue()
        self._state = _State.IDLE
        self._timer: asyncio.TimerHandle | None = None
        self._saved: list[Any] | None = None

    async def __aenter__(self) -> TerminalHotkey:
        if not os.isatty(self._fd):
            raise OSError("push-to-talk needs a terminal on stdin")
        self._saved = termios.tcgetattr(self._fd)
        tty.setcbreak(self._fd)  # keys arrive one by one, unechoed; Ctrl-C still interrupts
        asyncio.get_running_loop().add_reader(self._fd, self._readable)
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        asyncio.get_running_loop().remove_reader(self._fd)
        self._cancel_timer()
        if self._saved is not None:
            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)

    async def next_event(self) -> Ptt:
        """The next press or release; safe to cancel (e.g. inside ``asyncio.wait_for``)."""
        return await self._events.get()

    async def events(self) -> AsyncIterator[Ptt]:
        while True:
            yield await self._events.get()

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 64)
        except OSError:
            data = b""
        if not data:  # the terminal went away
            asyncio.get_running_loop().remove_reader(self._fd)
            return
        for _ in range(data.count(self._key)):
            self._key_seen()

    def _key_seen(self) -> None:
        if self._state is _State.IDLE:
            self._emit(Ptt.PRESS)
            self._enter(_State.PENDING, self._repeat_wait_s, self._became_toggle)
        elif self._state in (_State.PENDING, _State.HOLDING):
            self._enter(_State.HOLDING, self._release_gap_s, self._released)
        elif self._state is _State.TOGGLED:
            self._emit(Ptt.RELEASE)
            self._enter(_State.COOLDOWN, self._release_gap_s, self._cooled)
        else:  # COOLDOWN: a repeat of the keystroke that toggled off
            self._enter(_State.COOLDOWN, self._release_gap_s, self._cooled)

    def _became_toggle(self) -> None:
        self._state = _State.TOGGLED
        self._timer = None

    def _released(self) -> None:
        self._emit(Ptt.RELEASE)
        self._state = _State.IDLE
        self._timer = None

    def _cooled(self) -> None:
        self._state = _State.IDLE
        self._timer = None

    def _enter(self, state: _State, after_s: float, then: Any) -> None:
        self._cancel_timer()
        self._state = state
        self._timer = asyncio.get_running_loop().call_later(after_s, then)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _emit(self, event: Ptt) -> None:
        log.debug("hotkey.event", ptt=event.value, state=self._state.name)
        self._events.put_nowait(event)


def desktop_session() -> bool:
    """Whether a graphical session exists for a global hotkey (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class GlobalHotkey:
    """Push-to-talk on a key held anywhere in the desktop session (pynput); real press/release."""

    def __init__(self, key: str = "f8"):
        self._key_name = key
        self._events: asyncio.Queue[Ptt] = asyncio.Queue()
        self._listener: Any = None
        self._down = False

    async def __aenter__(self) -> GlobalHotkey:
        if not desktop_session():
            raise OSError("a global hotkey needs a desktop session (DISPLAY or WAYLAND_DISPLAY)")
        from pynput import keyboard  # imported here: it connects to the display on import

        loop = asyncio.get_running_loop()
        wanted = getattr(keyboard.Key, self._key_name, None) or keyboard.KeyCode.from_char(
            self._key_name
        )

        def on_press(key: Any) -> None:
            if key == wanted and not self._down:  # auto-repeat sends presses while held
                self._down = True
                loop.call_soon_threadsafe(self._events.put_nowait, Ptt.PRESS)

        def on_release(key: Any) -> None:
            if key == wanted:
                self._down = False
                loop.call_soon_threadsafe(self._events.put_nowait, Ptt.RELEASE)

        self._listener = keyboard.Listener(on_press=on_press, on_release=on_release)
        self._listener.start()
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):  # the display may already be gone at exit
                await asyncio.to_thread(self._listener.stop)

    async def next_event(self) -> Ptt:
        """The next press or release; safe to cancel (e.g. inside ``asyncio.wait_for``)."""
        return await self._events.get()

    async def events(self) -> AsyncIterator[Ptt]:
        while True:
            yield await self._events.get()


class PushToTalkGate:
    """Push-to-talk: frames pass only while the key is down; letting go ends the utterance.

    Frames are read (and dropped) while the key is up too, so none pile up in the microphone's
    queue to come out stale when the key is pressed.
    """

    def __init__(self, hotkey: TerminalHotkey | GlobalHotkey, interrupt: Callable[[], None]):
        self._hotkey = hotkey
        self._interrupt = interrupt

    async def _wait_for(self, wanted: Ptt) -> None:
        while await self._hotkey.next_event() is not wanted:
            pass

    async def frames(self, source: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
        """The frames of one utterance: from the next press until the release."""
        pressed = asyncio.ensure_future(self._wait_for(Ptt.PRESS))
        try:
            async for _frame in source:
                if pressed.done():
                    break
            else:
                return  # the source ended while the key was up
        finally:
            pressed.cancel()
        self._interrupt()  # pressing the key while Jarvis speaks stops it at once
        released = asyncio.ensure_future(self._wait_for(Ptt.RELEASE))
        try:
            async for frame in source:
                if released.done():
                    return
                yield frame
        finally:
            released.cancel()

"""The desktop push-to-talk key (pynput) on a real X server: Xvfb, keys pressed with xdotool."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from assistant.hotkey import GlobalHotkey, Ptt

pytestmark = pytest.mark.skipif(
    not (shutil.which("Xvfb") and shutil.which("xdotool")),
    reason="needs Debian's xvfb and xdotool (.ci/run installs them)",
)


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private X display on a free number, torn down after the test."""
    number = 90 + os.getpid() % 100
    name = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
        if server.poll() is not None or time.monotonic() > deadline:
            raise AssertionError("Xvfb did not start")
        time.sleep(0.05)
    monkeypatch.setenv("DISPLAY", name)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    yield name
    server.terminate()
    server.wait(timeout=10)


async def _xdotool(*args: str) -> None:
    process = await asyncio.create_subprocess_exec("xdotool", *args)
    assert await asyncio.wait_for(process.wait(), 10) == 0


# pynput's X listener thread (a daemon) only notices stop() at its next X event: the test gives
# it one and waits for it to end, so the fixture never closes the X server under a live thread
# (whose failing flush would otherwise be reported against whichever test runs next).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
async def test_holding_the_desktop_key_is_a_press_then_a_release(display: str) -> None:
    """F8 held anywhere on the desktop gives PRESS; letting go gives RELEASE; others nothing."""
    async with GlobalHotkey("f8") as hotkey:
        await asyncio.sleep(0.3)  # the listener thread attaches to the display
        await _xdotool("key", "a")
        await _xdotool("keydown", "F8")
        assert await asyncio.wait_for(hotkey.next_event(), 10) == Ptt.PRESS
        await _xdotool("keydown", "F8")  # auto-repeat while held: still one press
        await _xdotool("keyup", "F8")
        assert await asyncio.wait_for(hotkey.next_event(), 10) == Ptt.RELEASE
    listener = hotkey._listener
    assert listener is not None
    await _xdotool("key", "a")
    await asyncio.to_thread(listener.join, 10)
    assert not listener.is_alive()


async def test_without_a_desktop_the_global_key_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no DISPLAY or WAYLAND_DISPLAY the global hotkey refuses with a clear reason."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(OSError, match="desktop session"):
        async with GlobalHotkey("f8"):
            pass

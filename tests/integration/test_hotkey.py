"""Terminal push-to-talk, driven through a real pseudo-terminal as a user over SSH would."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import termios
from collections.abc import AsyncIterator, Iterator

import pytest

from assistant.hotkey import Ptt, PushToTalkGate, TerminalHotkey

REPEAT_WAIT_S = 0.3
RELEASE_GAP_S = 0.1


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (the user's end, the end Jarvis reads as its stdin)."""
    user, jarvis = pty.openpty()
    yield user, jarvis
    os.close(user)
    os.close(jarvis)


async def _next(hotkey: TerminalHotkey, timeout_s: float = 2.0) -> Ptt:
    return await asyncio.wait_for(hotkey.next_event(), timeout_s)


async def test_holding_the_key_talks_until_it_is_let_go(terminal: tuple[int, int]) -> None:
    """A held key (press, then auto-repeats) is a press, and its release follows the last repeat."""
    user, jarvis = terminal
    hotkey = TerminalHotkey(
        " ", fd=jarvis, repeat_wait_s=REPEAT_WAIT_S, release_gap_s=RELEASE_GAP_S
    )
    async with hotkey:
        os.write(user, b" ")
        assert await _next(hotkey) is Ptt.PRESS
        loop = asyncio.get_running_loop()
        for _ in range(15):  # the terminal's auto-repeat, every 30 ms
            await asyncio.sleep(0.03)
            os.write(user, b" ")
        last_repeat_at = loop.time()
        assert await _next(hotkey) is Ptt.RELEASE
        assert loop.time() - last_repeat_at >= RELEASE_GAP_S * 0.9


async def test_a_tap_toggles_talking_on_until_the_next_tap(terminal: tuple[int, int]) -> None:
    """A single tap starts talking and keeps it on; the next tap ends it."""
    user, jarvis = terminal
    hotkey = TerminalHotkey(
        " ", fd=jarvis, repeat_wait_s=REPEAT_WAIT_S, release_gap_s=RELEASE_GAP_S
    )
    async with hotkey:
        os.write(user, b" ")
        assert await _next(hotkey) is Ptt.PRESS
        with pytest.raises(TimeoutError):  # no release by itself: it is toggled on
            await _next(hotkey, REPEAT_WAIT_S * 3)
        os.write(user, b" ")
        assert await _next(hotkey) is Ptt.RELEASE


async def test_other_keys_are_ignored_and_the_terminal_is_restored(
    terminal: tuple[int, int],
) -> None:
    """Only the configured key counts; on exit the terminal's original mode comes back."""
    user, jarvis = terminal
    before = termios.tcgetattr(jarvis)
    hotkey = TerminalHotkey(
        "t", fd=jarvis, repeat_wait_s=REPEAT_WAIT_S, release_gap_s=RELEASE_GAP_S
    )
    async with hotkey:
        assert termios.tcgetattr(jarvis) != before  # cbreak: keys arrive unbuffered, unechoed
        os.write(user, b"abc ")
        with pytest.raises(TimeoutError):
            await _next(hotkey, 0.3)
        os.write(user, b"t")
        assert await _next(hotkey) is Ptt.PRESS
    assert termios.tcgetattr(jarvis) == before


async def test_not_a_terminal_is_refused() -> None:
    """Push-to-talk on a pipe (no terminal) fails clearly instead of reading garbage."""
    read_fd, write_fd = os.pipe()
    try:
        with pytest.raises(OSError, match="needs a terminal"):
            async with TerminalHotkey(fd=read_fd):
                pass
    finally:
        os.close(read_fd)
        os.close(write_fd)


async def test_push_to_talk_passes_audio_only_while_held_and_stops_speech(
    terminal: tuple[int, int],
) -> None:
    """Frames flow only between press and release, and the press interrupts Jarvis speaking."""
    user, jarvis = terminal
    interrupts: list[str] = []
    counter = 0

    async def microphone() -> AsyncIterator[bytes]:
        nonlocal counter
        while True:  # a live source: a numbered frame every 10 ms
            await asyncio.sleep(0.01)
            counter += 1
            yield counter.to_bytes(4, "little")

    hotkey = TerminalHotkey(
        " ", fd=jarvis, repeat_wait_s=REPEAT_WAIT_S, release_gap_s=RELEASE_GAP_S
    )
    async with hotkey:
        gate = PushToTalkGate(hotkey, lambda: interrupts.append("stop"))
        source = microphone()
        received: list[int] = []

        async def utterance() -> None:
            async with contextlib.aclosing(gate.frames(source)) as frames:
                async for frame in frames:
                    received.append(int.from_bytes(frame, "little"))

        task = asyncio.create_task(utterance())
        await asyncio.sleep(0.2)  # key up: these frames are dropped
        assert received == []
        os.write(user, b" ")  # a tap: talking toggles on
        await asyncio.sleep(REPEAT_WAIT_S + 0.2)
        assert interrupts == ["stop"]
        assert len(received) > 10
        os.write(user, b" ")  # the second tap ends the utterance
        await asyncio.wait_for(task, 2)
        assert received == list(range(received[0], received[-1] + 1))
        assert received[0] > 15  # the frames from before the press never came out

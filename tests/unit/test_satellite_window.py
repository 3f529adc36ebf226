"""A satellite's command window also closes by the clock: a satellite that stops streaming
sends no audio for the window to count, and speech much later must not pass without the wake
word (``wyoming_satellites.until_deadline``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from assistant.wyoming_satellites import until_deadline


async def _frames(gap_s: float, then: tuple[bytes, ...] = ()) -> AsyncIterator[bytes]:
    """One frame, then another ``gap_s`` later (a stream that stalled in between), then
    ``then``."""
    yield b"first"
    await asyncio.sleep(gap_s)
    yield b"later"
    for frame in then:
        yield frame


async def _heard(deadline_in_s: float, speaking: bool) -> list[bytes]:
    deadline = asyncio.get_running_loop().time() + deadline_in_s
    return [frame async for frame in until_deadline(_frames(0.05), deadline, lambda: speaking)]


async def test_a_frame_after_the_deadline_ends_the_window() -> None:
    assert await _heard(0.01, speaking=False) == [b"first"]


async def test_frames_before_the_deadline_pass() -> None:
    assert await _heard(60.0, speaking=False) == [b"first", b"later"]


async def test_someone_still_speaking_at_the_deadline_is_heard_out() -> None:
    assert await _heard(0.01, speaking=True) == [b"first", b"later"]


async def test_the_source_is_left_open_for_the_wake_word() -> None:
    source = _frames(0.05, then=(b"hey", b"jarvis"))
    deadline = asyncio.get_running_loop().time() + 0.01
    window = until_deadline(source, deadline, lambda: False)
    assert [frame async for frame in window] == [b"first"]
    # The frame that ended the window is dropped; the rest goes to the wake word.
    assert [frame async for frame in source] == [b"hey", b"jarvis"]

"""Raw PCM on stdin: read from a pipe through the loop, or from a redirected file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import numpy as np

from assistant.audio import duration_s
from assistant.audio.pcm_stdin import PcmStdinSource


async def test_pipe_is_read_without_blocking_the_loop() -> None:
    """Bytes written into a pipe come out as whole samples, in order, until the writer closes."""
    read_fd, write_fd = os.pipe()
    payload = np.arange(8000, dtype="<i2").tobytes()

    async def writer() -> None:
        for start in range(0, len(payload), 999):  # odd sizes split samples across reads
            await asyncio.to_thread(os.write, write_fd, payload[start : start + 999])
        os.close(write_fd)

    with os.fdopen(read_fd, "rb", buffering=0) as stream:
        task = asyncio.create_task(writer())
        frames = [f async for f in PcmStdinSource(stream).frames()]
        await task
    assert all(len(f) % 2 == 0 for f in frames)
    assert b"".join(frames) == payload


async def test_regular_file_on_stdin_is_read(tmp_path: Path) -> None:
    """A file redirected to stdin (which the loop cannot watch) is read in a thread instead."""
    path = tmp_path / "audio.raw"
    path.write_bytes(bytes(32000))
    with path.open("rb") as stream:
        frames = [f async for f in PcmStdinSource(stream).frames()]
    assert duration_s(b"".join(frames)) == 1.0


async def test_other_rates_are_converted_to_16khz(tmp_path: Path) -> None:
    """PCM at 48 kHz comes out at 16 kHz: a third of the samples."""
    path = tmp_path / "audio48k.raw"
    path.write_bytes(bytes(2 * 48000))
    with path.open("rb") as stream:
        frames = [f async for f in PcmStdinSource(stream, sample_rate_hz=48000).frames()]
    assert duration_s(b"".join(frames)) == 1.0

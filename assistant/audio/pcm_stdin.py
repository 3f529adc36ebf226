"""Raw PCM on stdin as an audio source: ``arecord -r 16000 -f S16_LE | jarvis listen --stdin``.

Pipes and terminals are read through the event loop (cancellable at any moment); a regular file
redirected to stdin cannot be watched by the loop, but its reads never block for long, so they
run in a worker thread.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import BinaryIO

import numpy as np

from assistant.audio import FRAME_BYTES, SAMPLE_RATE_HZ, resample, to_float, to_pcm


class PcmStdinSource:
    """Implements ``AudioSource`` over signed 16-bit little-endian mono PCM from a stream."""

    def __init__(self, stream: BinaryIO | None = None, *, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self._stream = stream if stream is not None else sys.stdin.buffer
        self._sample_rate_hz = sample_rate_hz
        self._closed = False

    async def frames(self) -> AsyncIterator[bytes]:
        read_size = FRAME_BYTES * self._sample_rate_hz // SAMPLE_RATE_HZ
        read_size -= read_size % 2
        pending = b""
        async for chunk in self._chunks(read_size):
            pending += chunk
            usable = len(pending) - len(pending) % 2  # never split a sample in two
            if usable:
                yield self._convert(pending[:usable])
                pending = pending[usable:]

    def _convert(self, pcm: bytes) -> bytes:
        if self._sample_rate_hz == SAMPLE_RATE_HZ:
            return pcm
        # Chunk by chunk, so slightly rougher at chunk edges than a whole-file conversion;
        # 16 kHz input (``arecord -r 16000``) avoids it altogether.
        samples = resample(to_float(pcm), self._sample_rate_hz, SAMPLE_RATE_HZ)
        return to_pcm(np.asarray(samples))

    async def _chunks(self, read_size: int) -> AsyncIterator[bytes]:
        fd = self._stream.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            while not self._closed:
                chunk = await asyncio.to_thread(self._stream.read, read_size)
                if not chunk:
                    return
                yield chunk
            return
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), self._stream
        )
        try:
            while not self._closed:
                chunk = await reader.read(read_size)
                if not chunk:
                    return
                yield chunk
        finally:
            transport.close()

    async def close(self) -> None:
        self._closed = True

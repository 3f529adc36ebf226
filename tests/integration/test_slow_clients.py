"""Clients that dribble their headers or their body are cut off (real sockets, real server)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from assistant import http_api
from assistant.http_api import create_api
from assistant.testing import conversation_for_tests
from jarvis.http_guard import runner_options

HEADER_TIMEOUT_S = 0.5


@pytest.fixture
async def port(tmp_path: Path) -> AsyncIterator[int]:
    """The edge API served as `jarvis edge` serves it, with a short header timeout."""
    async with conversation_for_tests(tmp_path) as (conversation, bus):
        runner = web.AppRunner(
            create_api(conversation, bus), **runner_options(header_timeout_s=HEADER_TIMEOUT_S)
        )
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            yield int(runner.addresses[0][1])
        finally:
            await runner.cleanup()


async def _dribble(port: int, pieces: list[bytes], every_s: float) -> bytes:
    """Send ``pieces`` one at a time, ``every_s`` apart, for as long as the server listens;
    the first bytes it answered (empty when it just closed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for piece in pieces:
            if reader.at_eof():
                break
            writer.write(piece)
            try:
                await writer.drain()
            except ConnectionError:
                break
            try:
                # One read, not read-to-end: cancelled, that would lose what it had gathered.
                first = await asyncio.wait_for(reader.read(65536), every_s)
            except TimeoutError:
                continue
            return first
        return await asyncio.wait_for(reader.read(65536), 5)
    finally:
        writer.close()


async def test_dribbled_headers_are_cut_off(port: int) -> None:
    """A client sending a header byte every 0.1 s is disconnected after the header timeout."""
    started = time.monotonic()
    request = b"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    answer = await _dribble(port, [bytes([byte]) for byte in request], every_s=0.1)
    assert b"200 OK" not in answer
    # Cut while bytes still flowed: far sooner than the 20 s the whole dribble would take.
    assert time.monotonic() - started < 10


async def test_a_dribbled_body_is_408(port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body trickling in past the body timeout is answered 408 request_timeout."""
    monkeypatch.setattr(http_api, "BODY_TIMEOUT_S", 0.5)
    body = b'{"text": "what time is it"}'
    head = (
        b"POST /v1/utterances HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    answer = await _dribble(port, [head, *(bytes([byte]) for byte in body)], every_s=0.1)
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"request_timeout" in answer

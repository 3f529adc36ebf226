"""The edge's re-dial waits: short while nobody listens (a cloud restarting), growing otherwise."""

from __future__ import annotations

import socket
import sys

import aiohttp
from tenacity import RetryCallState

from assistant.cloud_dialer import (
    JITTER_S,
    MAX_WAIT_S,
    NOBODY_LISTENING_MAX_S,
    BackOff,
    LinkDroppedError,
    nobody_listening,
)


def _failed(attempt: int, error: BaseException) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    try:
        raise error
    except BaseException:  # the state keeps whatever was raised
        state.set_exception(sys.exc_info())  # type: ignore[arg-type]
    return state


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _refused_dial() -> BaseException:
    async with aiohttp.ClientSession() as session:
        try:
            await session.ws_connect(f"http://127.0.0.1:{_closed_port()}/v1/edge")
        except aiohttp.ClientError as error:
            return error
    raise AssertionError("a closed port accepted the connection")


async def test_a_real_refused_dial_is_recognised_as_nobody_listening() -> None:
    """aiohttp's error for a port nobody listens on is told apart from a link that dropped."""
    assert nobody_listening(await _refused_dial())
    assert not nobody_listening(LinkDroppedError("closed at hello"))
    assert not nobody_listening(TimeoutError())
    assert not nobody_listening(None)


async def test_waits_stay_short_while_the_cloud_is_not_listening() -> None:
    """After eight refused dials the next waits at most a second and a bit; after eight links
    that dropped it waits the full half minute."""
    refused = await _refused_dial()
    waits = [BackOff()(_failed(8, refused)) for _ in range(50)]
    assert all(0 < wait <= NOBODY_LISTENING_MAX_S + JITTER_S / 2 for wait in waits)
    dropped = [BackOff()(_failed(8, LinkDroppedError("closed"))) for _ in range(50)]
    assert all(MAX_WAIT_S <= wait <= MAX_WAIT_S + JITTER_S for wait in dropped)


def test_the_first_waits_grow_from_half_a_second() -> None:
    """Dropped links wait 0.5, 1, 2, 4 s (plus jitter): the backoff the resilience test counts."""
    for attempt, floor in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0)):
        wait = BackOff()(_failed(attempt, LinkDroppedError("closed")))
        assert floor <= wait <= floor + JITTER_S

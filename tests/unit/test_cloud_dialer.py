"""The edge's re-dial waits: short while the cloud cannot be reached early in an outage (it is
restarting), growing after links that opened and failed, and growing again in a long outage."""

from __future__ import annotations

import socket
import sys

import aiohttp
import pytest
from tenacity import RetryCallState

from assistant.cloud_dialer import (
    DIAL_RETRY_MAX_S,
    JITTER_S,
    MAX_WAIT_S,
    QUICK_RETRIES_FOR_S,
    BackOff,
    Dialer,
    DialFailedError,
    LinkDroppedError,
)


def _failed(attempt: int, error: BaseException, outage_s: float = 0.0) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.attempt_number = attempt
    try:
        raise error
    except BaseException:  # the state keeps whatever was raised
        state.set_exception(sys.exc_info())  # type: ignore[arg-type]
    state.start_time -= outage_s
    return state


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _failed_dial() -> DialFailedError:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(DialFailedError) as failed:
            await Dialer(f"http://127.0.0.1:{_closed_port()}/v1/edge").dial(session)
    return failed.value


async def test_a_dial_nobody_answers_fails_as_a_dial_naming_the_cause() -> None:
    """A real refused connection comes out of `dial` as a DialFailedError over aiohttp's own."""
    failed = await _failed_dial()
    assert isinstance(failed.__cause__, aiohttp.ClientConnectorError)
    assert "Connect call failed" in str(failed) or "refused" in str(failed).lower()


async def test_waits_stay_short_while_the_cloud_cannot_be_reached() -> None:
    """Eight failed dials into an outage, the next waits at most a second and a bit; after
    eight links that opened and dropped, the full half minute."""
    failed = await _failed_dial()
    waits = [BackOff()(_failed(8, failed, outage_s=20.0)) for _ in range(50)]
    assert all(0 < wait <= DIAL_RETRY_MAX_S + JITTER_S / 2 for wait in waits)
    dropped = [BackOff()(_failed(8, LinkDroppedError("closed"))) for _ in range(50)]
    assert all(MAX_WAIT_S <= wait <= MAX_WAIT_S + JITTER_S for wait in dropped)


async def test_a_long_outage_backs_off_in_full_again() -> None:
    """Past the quick window, failed dials wait as long as any other failure."""
    failed = await _failed_dial()
    wait = BackOff()(_failed(9, failed, outage_s=QUICK_RETRIES_FOR_S + 1))
    assert wait >= MAX_WAIT_S


def test_the_first_waits_grow_from_half_a_second() -> None:
    """Dropped links wait 0.5, 1, 2, 4 s (plus jitter): the backoff the resilience test counts."""
    for attempt, floor in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0)):
        wait = BackOff()(_failed(attempt, LinkDroppedError("closed")))
        assert floor <= wait <= floor + JITTER_S

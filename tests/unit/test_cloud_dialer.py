"""The edge's re-dial waits: short while the cloud cannot be reached early in an outage (it is
restarting), growing for links that keep dying young, and growing again in a long outage."""

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


def _failed(error: BaseException) -> RetryCallState:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    try:
        raise error
    except BaseException:  # the state keeps whatever was raised
        state.set_exception(sys.exc_info())  # type: ignore[arg-type]
    return state


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


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
    assert str(failed) == str(failed.__cause__)


async def test_failed_dials_early_in_an_outage_wait_about_a_second() -> None:
    """Twenty failed dials in a row, a minute into an outage, each wait a second and a bit at
    most; past two minutes the waits grow to the full half minute."""
    failed = await _failed_dial()
    clock = Clock()
    backoff = BackOff(clock)
    for _ in range(20):
        assert 0 < backoff(_failed(failed)) <= DIAL_RETRY_MAX_S + JITTER_S / 2
        clock.now += 3.0
    clock.now += QUICK_RETRIES_FOR_S
    assert backoff(_failed(failed)) >= MAX_WAIT_S


def test_links_that_die_young_back_off_from_half_a_second() -> None:
    """Links that open and drop at once wait 0.5, 1, 2, 4 s (plus jitter) — the growth the
    resilience test counts against a cloud that closes every link."""
    backoff = BackOff(Clock())
    for floor in (0.5, 1.0, 2.0, 4.0):
        assert floor <= backoff(_failed(LinkDroppedError("closed"))) <= floor + JITTER_S


async def test_a_link_cut_after_an_outage_starts_its_own_count() -> None:
    """The quick dials of an outage do not make the next dropped link wait longer: a link that
    came back and was cut waits half a second, as the first failure of its kind."""
    failed = await _failed_dial()
    backoff = BackOff(Clock())
    for _ in range(8):
        backoff(_failed(failed))
    backoff.dialled()
    assert backoff(_failed(LinkDroppedError("cut"))) <= 0.5 + JITTER_S


def test_a_healthy_link_forgets_the_links_that_died_young() -> None:
    """After a link stayed up, the next drop waits as the first did."""
    backoff = BackOff(Clock())
    for _ in range(6):
        backoff(_failed(LinkDroppedError("closed")))
    backoff.healthy()
    assert backoff(_failed(LinkDroppedError("closed"))) <= 0.5 + JITTER_S

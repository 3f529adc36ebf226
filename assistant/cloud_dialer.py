"""Dialling the cloud brain, again and again for as long as it takes, never in a tight loop.

Every way a link can end (the dial fails, the cloud closes the socket, a frame breaks it, the
handshake is refused) counts as a failure, and the next dial waits longer: exponential backoff
with jitter (tenacity), from half a second up to half a minute. Only a link that stayed up a
while (``STABLE_AFTER_S``) is dialled again at once, with the backoff started afresh.

A dial that fails before the link opens is cheap to retry: nothing listens (the cloud is
restarting), or the proxy in front of it has no cloud to hand the connection to. Trying again
costs the cloud nothing, and a reminder due while it was away is late by every second the edge
still waits once it is back; so for the first ``QUICK_RETRIES_FOR_S`` of an outage those waits
stop growing at ``DIAL_RETRY_MAX_S`` (with jitter, so edges do not come back in step). Links
that open and then fail young (the cloud closes them, a frame breaks them) back off in full,
counted on their own (``BackOff``).

A link that keeps failing becomes the edge's ``problem`` (``GET /v1/status``) and is logged once
per backoff step (attempts 1, 2, 4, 8…), not once per attempt. A token the cloud refuses is a
problem of its own: said once, and tried again only now and then.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable

import aiohttp
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_never,
)
from tenacity.wait import wait_base

log = structlog.get_logger(__name__)

REFUSED_TOKEN = (
    "the cloud brain refused this device's token (wrong or revoked); enroll the device again "
    "and run `jarvis edge set-token`"
)
REFUSED_RETRY_S = 300.0
"""How often a refused edge tries again (a token the admin restores, a cloud fixed)."""
PING_EVERY_S = 20.0
FIRST_WAIT_S = 0.5
MAX_WAIT_S = 30.0
JITTER_S = 1.0
DIAL_RETRY_MAX_S = 1.0
"""The longest wait after a dial that failed before the link opened, early in an outage."""
QUICK_RETRIES_FOR_S = 120.0
"""How long into an outage failed dials are retried quickly; after that, the full backoff."""
STABLE_AFTER_S = 10.0
"""A link up this long is healthy: its end is dialled again at once, the backoff reset. Short
enough that a cloud restarted every few tens of seconds still finds its edges back at once;
long enough that a cloud closing every link at once is dialled a few times a minute at most."""
TROUBLE_AFTER = 3
"""Failures in a row after which the link's trouble shows as the edge's problem."""


class LinkDroppedError(Exception):
    """The WebSocket closed or failed; the link dials again."""


class StableLinkEndedError(Exception):
    """A link that had been up for ``STABLE_AFTER_S`` ended: dial again at once."""


RETRIED = (LinkDroppedError, aiohttp.ClientError, OSError, TimeoutError)
"""What ends an attempt and is retried after a backoff (anything else is a bug, and raised)."""


class DialFailedError(LinkDroppedError):
    """The dial itself failed: the link never opened (see the module on why that is cheap)."""


def _doubling(count: int) -> float:
    """0.5, 1, 2, 4 … seconds for the 1st, 2nd, 3rd, 4th … failure in a row, up to the cap."""
    return float(min(FIRST_WAIT_S * 2 ** max(count - 1, 0), MAX_WAIT_S))


class BackOff(wait_base):
    """How long to wait before the next dial, from what failed and how often in a row.

    Failed dials and links that opened then failed young are counted apart: a link that came
    up and was cut a few seconds later starts its own count afresh, rather than inheriting the
    many quick dials of the outage before it (which made a cut link wait 8 s after coming back).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.failed_dials = 0
        """Dials in a row that failed before the link opened."""
        self.short_links = 0
        """Links in a row that opened and ended before ``STABLE_AFTER_S``."""
        self._dials_failing_since: float | None = None

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, DialFailedError):
            self.failed_dials += 1
            now = self._clock()
            if self._dials_failing_since is None:
                self._dials_failing_since = now
            wait = _doubling(self.failed_dials)
            if now - self._dials_failing_since < QUICK_RETRIES_FOR_S:
                return min(wait, DIAL_RETRY_MAX_S) + random.uniform(0, JITTER_S / 2)
            return wait + random.uniform(0, JITTER_S)
        self.short_links += 1
        return _doubling(self.short_links) + random.uniform(0, JITTER_S)

    def dialled(self) -> None:
        """A dial got through: the outage, if any, is over."""
        self.failed_dials = 0
        self._dials_failing_since = None

    def healthy(self) -> None:
        """A link stayed up ``STABLE_AFTER_S``."""
        self.short_links = 0


class Dialer:
    """Opens the WebSocket to ``url`` and keeps a session on it alive.

    ``problem`` says why waiting will not help (a refused token); ``trouble`` says that the link
    keeps failing (it may mend by itself)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._backoff = BackOff()
        self.problem: str | None = None
        """Set while the cloud refuses this device's token (401 at the handshake)."""
        self.trouble: str | None = None
        """Set while the link fails again and again (``TROUBLE_AFTER`` times in a row)."""

    async def keep_up(self, session: Callable[[], Awaitable[None]]) -> None:
        """Run ``session`` (dial, then serve until the link ends) again and again, for ever
        (cancel to stop), backing off after each failure."""
        while True:
            try:
                async for attempt in self._retrying():
                    with attempt:
                        await session()
            except StableLinkEndedError as ended:
                log.warning("edge_link.dropped", reason=str(ended.__cause__ or ended))

    def _retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            # Exponential backoff plus random jitter, so many edges do not re-dial in step.
            wait=self._backoff,
            retry=retry_if_exception_type(RETRIED),
            stop=stop_never,
            before_sleep=self._failed,
            reraise=True,
        )

    def _failed(self, state: RetryCallState) -> None:
        attempt = state.attempt_number
        error = state.outcome.exception() if state.outcome else None
        reason = (str(error) or type(error).__name__) if error else "unknown"
        if attempt >= TROUBLE_AFTER:
            self.trouble = f"the link to the cloud brain keeps failing ({reason}); retrying"
        # Once per backoff step: a link that fails for hours logs a few dozen lines, not
        # thousands (the waits double until they reach MAX_WAIT_S).
        if attempt & (attempt - 1) == 0:
            log.warning(
                "edge_link.retrying",
                attempt=attempt,
                next_in_s=round(state.upcoming_sleep, 1),
                error=reason,
            )

    def stable(self) -> None:
        """The link has been up ``STABLE_AFTER_S``: it is healthy again."""
        self._backoff.healthy()
        if self.trouble is not None:
            log.info("edge_link.recovered")
        self.trouble = None

    async def dial(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        """One try at opening the WebSocket; what fails is raised for ``keep_up`` to retry."""
        try:
            ws = await session.ws_connect(
                self._url,
                timeout=aiohttp.ClientWSTimeout(ws_close=5.0),
                # No cap that closes the socket: a frame too large is refused by its id
                # (``too_large``), so the cloud drops it instead of sending it again forever.
                max_msg_size=0,
                heartbeat=PING_EVERY_S,
            )
        except aiohttp.WSServerHandshakeError as error:
            if error.status == 401:
                await self._refused()
                raise
            raise DialFailedError(str(error) or type(error).__name__) from error
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise DialFailedError(str(error) or type(error).__name__) from error
        self._backoff.dialled()
        if self.problem is not None:
            log.info("edge_link.token_accepted")
        self.problem = None
        return ws

    async def _refused(self) -> None:
        if self.problem is None:
            log.error("edge_link.token_refused", advice=REFUSED_TOKEN)
        self.problem = REFUSED_TOKEN
        await asyncio.sleep(REFUSED_RETRY_S)

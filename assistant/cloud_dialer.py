"""Dialling the cloud brain: retried with exponential backoff and jitter, for as long as it
takes; a token the cloud refuses is remembered as the link's problem, said once, and tried
again only now and then."""

from __future__ import annotations

import asyncio

import aiohttp
import structlog
from tenacity import AsyncRetrying, retry_if_exception_type, stop_never, wait_exponential_jitter

from models import MAX_FRAME_BYTES

log = structlog.get_logger(__name__)

REFUSED_TOKEN = (
    "the cloud brain refused this device's token (wrong or revoked); enroll the device again "
    "and run `jarvis edge set-token`"
)
REFUSED_RETRY_S = 300.0
"""How often a refused edge tries again (a token the admin restores, a cloud fixed)."""
PING_EVERY_S = 20.0


class Dialer:
    """Opens the WebSocket to ``url``; ``problem`` says why waiting will not help, if so."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.problem: str | None = None
        """Set while the cloud refuses this device's token (401 at the handshake)."""

    async def dial(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        """A connected WebSocket, however many tries it takes (cancel to give up)."""
        retrying = AsyncRetrying(
            wait=wait_exponential_jitter(initial=0.5, max=30.0, jitter=1.0),
            retry=retry_if_exception_type((aiohttp.ClientError, OSError, TimeoutError)),
            stop=stop_never,
            before_sleep=lambda state: log.info(
                "edge_link.retrying",
                attempt=state.attempt_number,
                error=str(state.outcome.exception()) if state.outcome else None,
            ),
        )
        async for attempt in retrying:
            with attempt:
                try:
                    ws = await session.ws_connect(
                        self._url,
                        timeout=aiohttp.ClientWSTimeout(ws_close=5.0),
                        # Replies are small; the cap only bounds what a broken cloud could send.
                        max_msg_size=MAX_FRAME_BYTES * 4,
                        heartbeat=PING_EVERY_S,
                    )
                except aiohttp.WSServerHandshakeError as error:
                    if error.status == 401:
                        await self._refused()
                    raise
                if self.problem is not None:
                    log.info("edge_link.token_accepted")
                self.problem = None
                return ws
        raise AssertionError("unreachable: the retry loop never stops")

    async def _refused(self) -> None:
        if self.problem is None:
            log.error("edge_link.token_refused", advice=REFUSED_TOKEN)
        self.problem = REFUSED_TOKEN
        await asyncio.sleep(REFUSED_RETRY_S)

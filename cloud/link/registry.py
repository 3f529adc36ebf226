"""The edge links this instance holds, in memory only: PostgreSQL stays the truth.

Each link sends its device's outbox: on connect, when woken (a NOTIFY said something was queued,
or an ack freed room), and on a slow sweep as a safety net should a notification be missed.

One watchdog per instance (``LinkRegistry.watch``) closes the links that went silent and those
whose peer stopped reading (a send stuck that long): a timestamp per frame instead of a timer per
frame, which on the request path cost more than the frame's own handling.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog
from aiohttp import web

from cloud.store import device_state, outbox
from models import Envelope, messages
from models.messages import ErrorBody

log = structlog.get_logger(__name__)

SWEEP_S = 30.0
"""A link re-reads its outbox at least this often, even without a notification."""
SEND_TIMEOUT_S = 10.0
"""A send still waiting for the peer to read after this long closes the link."""
RETRY_AFTER_S = 2.0
WATCH_EVERY_S = 2.0
"""How often the watchdog looks at every link."""


class EdgeLink:
    """One device's WebSocket; every send goes through here so frames never interleave."""

    def __init__(
        self, ws: web.WebSocketResponse, device_id: str, pool: asyncpg.Pool, token_hash: bytes
    ) -> None:
        self.ws = ws
        self.device_id = device_id
        self.token_hash = token_hash
        """Hash of the token this link was opened with: it must stay the device's valid one."""
        self._pool = pool
        self._send_lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._in_flight: set[str] = set()
        """Ids sent on this link whose ack is not written yet: not re-sent on this link (a new
        connection sends whatever is still pending)."""
        self._batch_full = False
        """The last flush read a full batch: more may wait behind the messages in flight."""
        self.heard_at = time.monotonic()
        """When the last frame came in (``heard``)."""
        self._sending_since: float | None = None
        self.closing = False
        """The watchdog is closing it."""
        self.clock_offset_s: float | None = None
        """The cloud's clock minus the edge's, from the last hello or heartbeat (their ``ts``
        against the arrival time), so a time the edge stamped can be read on the cloud's clock
        even when the edge's is off."""

    def heard_stamp(self, stamped_at: float) -> None:
        """A fresh frame made at ``stamped_at`` on the edge's clock came in just now."""
        self.clock_offset_s = time.time() - stamped_at

    def heard(self) -> None:
        """A frame came in: the link is alive."""
        self.heard_at = time.monotonic()

    def overdue(self, now: float, idle_after_s: float) -> str | None:
        """Why the watchdog should close this link now, or None."""
        if self._sending_since is not None and now - self._sending_since > SEND_TIMEOUT_S:
            return "the edge stopped reading"
        if now - self.heard_at > idle_after_s:
            return "idle for too long"
        return None

    async def send(self, envelope: Envelope, encoded: str | None = None) -> None:
        """Send one envelope (``encoded``: its ``encode()``, when the caller has it already);
        ConnectionResetError when the socket is gone, or closed by the watchdog while this send
        waited on a peer that stopped reading."""
        async with self._send_lock:
            self._sending_since = time.monotonic()
            try:
                await self.ws.send_str(encoded or envelope.encode())
            finally:
                self._sending_since = None

    async def send_error(self, code: str, message: str, ref: str | None, trace_id: str) -> None:
        error = messages.envelope(ErrorBody(code, message, ref), trace_id=trace_id)
        with contextlib.suppress(ConnectionResetError):
            await self.send(error)

    def wake(self) -> None:
        self._wake.set()

    async def deliver(self, envelope: Envelope, encoded: str | None = None) -> None:
        """Send a message of the outbox now, rather than when a flush reads it back."""
        if envelope.id not in self._in_flight:
            await self._send_once(envelope, encoded)

    async def _send_once(self, envelope: Envelope, encoded: str | None = None) -> None:
        """Send a message of the outbox, marked in flight first: a ``deliver`` and a flush
        racing for it send it once. A failed send unmarks it, so a retry sends it again."""
        self._in_flight.add(envelope.id)
        try:
            await self.send(envelope, encoded)
        except BaseException:
            self._in_flight.discard(envelope.id)
            raise
        log.debug("sent", type=envelope.type, message_id=envelope.id)

    def acked(self, ids: list[str]) -> None:
        """The edge's ack of ``ids`` is written (or its write is over): a flush may read them
        again only if they are still pending."""
        self._in_flight.difference_update(ids)
        if self._batch_full:
            # Only then can an ack make room for more; otherwise re-reading finds nothing new.
            self._wake.set()

    async def flush_forever(self) -> None:
        """Send what waits in the outbox whenever woken; ends when the socket closes."""
        while not self.ws.closed:
            self._wake.clear()
            try:
                await self._flush()
            except ConnectionResetError:
                return
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("outbox flush failed; retrying", error=str(error))
                await asyncio.sleep(RETRY_AFTER_S)
                continue
            except Exception:
                # A bug must not silently end delivery for this link: log it and keep going.
                log.exception("outbox flush crashed; retrying")
                await asyncio.sleep(RETRY_AFTER_S)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(SWEEP_S):
                    await self._wake.wait()

    async def _flush(self) -> None:
        found = await outbox.pending(self._pool, self.device_id)
        self._batch_full = len(found) >= outbox.FLUSH_BATCH
        for item in found:
            if item.envelope.id in self._in_flight:
                continue
            envelope = outbox.sendable(item.envelope)
            if envelope is None:
                # Sent, it would be refused for good; kept, it would block every message
                # behind it. Dropped, with a trace event that says so.
                log.error("message cannot fit a frame; dropped", message_id=item.envelope.id)
                await outbox.drop(self._pool, self.device_id, item.envelope.id, reason="too_large")
                continue
            await self._send_once(envelope)


class LinkRegistry:
    """device id → the link this instance holds for it (the newest wins)."""

    def __init__(self) -> None:
        self._links: dict[str, EdgeLink] = {}
        self._closing: set[asyncio.Task[None]] = set()
        """Close tasks started from callbacks, held so they are not garbage-collected."""

    def add(self, link: EdgeLink) -> EdgeLink | None:
        """Register ``link``; returns the older link of the same device, to be closed."""
        old = self._links.get(link.device_id)
        self._links[link.device_id] = link
        return old if old is not link else None

    def remove(self, link: EdgeLink) -> bool:
        """Forget ``link`` if it is still the device's current one."""
        if self._links.get(link.device_id) is link:
            del self._links[link.device_id]
            return True
        return False

    def wake(self, device_id: str) -> None:
        link = self._links.get(device_id)
        if link is not None:
            link.wake()

    def wake_all(self) -> None:
        for link in self._links.values():
            link.wake()

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._links

    def recheck_token(self, device_id: str, pool: asyncpg.Pool) -> asyncio.Task[None] | None:
        """Close the device's link if its token was revoked or replaced (in a task of its own)."""
        link = self._links.get(device_id)
        if link is None:
            return None
        task = asyncio.create_task(_close_if_revoked(link, pool))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return task

    async def close_all(self, message: str) -> None:
        for link in list(self._links.values()):
            await _close(link, 1001, message)

    async def watch(self, idle_after_s: float) -> None:
        """Until cancelled: close the links silent for ``idle_after_s`` (edges heartbeat well
        within it) and those whose send waits on a peer that stopped reading."""
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            now = time.monotonic()
            for link in list(self._links.values()):
                reason = link.overdue(now, idle_after_s)
                if reason is not None and not link.closing:
                    # Closed, not removed: the link's own handler removes it on the way out,
                    # and records that the device is no longer connected here.
                    link.closing = True
                    log.info("closing a link", device_id=link.device_id, reason=reason)
                    task = asyncio.create_task(_close(link, 4008, reason))
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)


async def _close_if_revoked(link: EdgeLink, pool: asyncpg.Pool) -> None:
    try:
        valid = await device_state.token_still_valid(
            pool, link.device_id, link.token_hash, timeout_s=SEND_TIMEOUT_S
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("cannot recheck a link's token", error=str(error))
        return
    if not valid:
        log.info("closing a link whose token was revoked", device_id=link.device_id)
        await _close(link, 4001, "token revoked")


async def _close(link: EdgeLink, code: int, message: str) -> None:
    """Close politely; a peer that does not take the close frame in time loses the socket."""
    try:
        async with asyncio.timeout(SEND_TIMEOUT_S):
            await link.ws.close(code=code, message=message.encode())
    except (OSError, TimeoutError):
        transport = link.ws.get_extra_info("transport")
        if transport is not None:
            transport.abort()

"""LISTEN for the cloud's channels on one held connection, and act on each notification.

``jarvis_outbox`` (payload: a device id) wakes that device's link if this instance holds it;
``jarvis_reminders`` wakes the reminder scheduler; ``jarvis_devices`` drops the in-memory copy
of the devices' names and settings; ``jarvis_revoked`` (a device id) closes the link of a device
whose token was revoked or replaced. A lost connection is re-opened, and then every link is
woken and the device copy dropped, since notifications sent meanwhile were lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import asyncpg
import structlog

from cloud.link.registry import LinkRegistry
from cloud.store.database import ping
from cloud.store.device_directory import DEVICES_CHANNEL
from cloud.store.devices import REVOKED_CHANNEL
from cloud.store.outbox import OUTBOX_CHANNEL
from cloud.store.reminders import REMINDER_CHANNEL

log = structlog.get_logger(__name__)

RECONNECT_AFTER_S = 2.0
ACQUIRE_TIMEOUT_S = 10.0
PROBE_EVERY_S = 30.0
"""How often the held connection is checked, in case it died without telling us."""


async def listen_forever(
    pool: asyncpg.Pool,
    links: LinkRegistry,
    reminder_wake: asyncio.Event,
    devices_changed: Callable[[], None],
    ready: asyncio.Event | None = None,
) -> None:
    """Hold a LISTEN connection until cancelled; ``ready`` is set once listening."""

    def on_outbox(_conn: Any, _pid: int, _channel: str, device_id: str) -> None:
        links.wake(device_id)

    def on_reminder(_conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        reminder_wake.set()

    def on_devices(_conn: Any, _pid: int, _channel: str, _payload: str) -> None:
        devices_changed()

    def on_revoked(_conn: Any, _pid: int, _channel: str, device_id: str) -> None:
        links.recheck_token(device_id, pool)

    channels = {
        OUTBOX_CHANNEL: on_outbox,
        REMINDER_CHANNEL: on_reminder,
        REVOKED_CHANNEL: on_revoked,
        DEVICES_CHANNEL: on_devices,
    }

    while True:
        try:
            async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
                lost = asyncio.Event()
                conn.add_termination_listener(_setter(lost))
                for channel, callback in channels.items():
                    await conn.add_listener(channel, callback)
                try:
                    links.wake_all()
                    reminder_wake.set()
                    devices_changed()
                    if ready is not None:
                        ready.set()
                    await _hold(conn, lost)
                finally:
                    if not conn.is_closed():
                        for channel, callback in channels.items():
                            await conn.remove_listener(channel, callback)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning("notification listener lost; reconnecting", error=str(error))
        except Exception:
            log.exception("notification listener crashed; restarting")
        await asyncio.sleep(RECONNECT_AFTER_S)


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _conn: event.set()


async def _hold(conn: asyncpg.Connection, lost: asyncio.Event) -> None:
    while not lost.is_set():
        try:
            async with asyncio.timeout(PROBE_EVERY_S):
                await lost.wait()
        except TimeoutError:
            await ping(conn, timeout_s=ACQUIRE_TIMEOUT_S)

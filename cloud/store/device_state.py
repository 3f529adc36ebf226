"""What the cloud knows of each enrolled device beyond its token: the link it holds and when it
was last heard from, what it can do, where it is, its settings; and the devices a request may
name (the valid ones), a command's target, a mission's live workers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import asyncpg

from cloud.store.devices import ONLINE_WITHIN_S
from models import Device, Location


@dataclass(frozen=True, slots=True)
class LiveDevice:
    """A live, unrevoked device as mission routing sees it."""

    id: str
    name: str
    load: dict[str, Any] | None
    """The last heartbeat's load (``cpu_percent``, ``memory_percent``)."""
    location: Location | None


async def connected(
    pool: asyncpg.Pool,
    device: Device,
    *,
    version: str,
    instance_id: str,
) -> dict[str, Any] | None:
    """Record a hello: the device's capabilities, version and location, and that
    ``instance_id`` holds its link now; its settings (None for a device gone meanwhile)."""
    settings: dict[str, Any] | None = await pool.fetchval(
        "UPDATE devices SET capabilities = $2, version = $3, last_seen = now(),"
        " connected_instance = $4, lat = coalesce($5, lat), lon = coalesce($6, lon)"
        " WHERE id = $1 RETURNING settings",
        device.id,
        sorted(device.capabilities),
        version,
        instance_id,
        device.location.lat if device.location else None,
        device.location.lon if device.location else None,
    )
    return settings


async def disconnected(
    pool: asyncpg.Pool, device_id: str, instance_id: str, *, timeout_s: float
) -> None:
    """The link ``instance_id`` held is gone; only if the row still names that instance (the
    device may already hold a link elsewhere)."""
    await pool.execute(
        "UPDATE devices SET connected_instance = NULL WHERE id = $1 AND connected_instance = $2",
        device_id,
        instance_id,
        timeout=timeout_s,
    )


async def mark_seen(conn: asyncpg.Connection | asyncpg.Pool, device_id: str) -> None:
    """The device was heard from now (its leases renewed)."""
    await conn.execute("UPDATE devices SET last_seen = now() WHERE id = $1", device_id)


async def record_heartbeat(pool: asyncpg.Pool, device_id: str, load: dict[str, Any]) -> None:
    await pool.execute(
        "UPDATE devices SET last_seen = now(), load = $2 WHERE id = $1", device_id, load
    )


async def token_still_valid(
    pool: asyncpg.Pool, device_id: str, token_hash: bytes, *, timeout_s: float
) -> bool:
    """Whether ``token_hash`` is still the device's unrevoked token."""
    valid = await pool.fetchval(
        "SELECT token_hash = $2 AND revoked_at IS NULL FROM devices WHERE id = $1",
        device_id,
        token_hash,
        timeout=timeout_s,
    )
    return bool(valid)


async def exists(conn: asyncpg.Connection, device_id: str) -> bool:
    """Whether the device is enrolled (revoked or not)."""
    return bool(await conn.fetchval("SELECT true FROM devices WHERE id = $1", device_id))


async def is_valid(conn: asyncpg.Connection, device_id: str) -> bool:
    """Whether the device is enrolled and its token not revoked."""
    return bool(
        await conn.fetchval(
            "SELECT true FROM devices WHERE id = $1 AND revoked_at IS NULL", device_id
        )
    )


async def valid_id(pool: asyncpg.Pool, device: str) -> str | None:
    """The id of the unrevoked device given by id or name; None when there is none."""
    found: str | None = await pool.fetchval(
        "SELECT id FROM devices WHERE (id = $1 OR lower(name) = lower($1)) AND revoked_at IS NULL",
        device,
    )
    return found


async def valid_ids(conn: asyncpg.Connection) -> list[str]:
    """The ids of the devices whose token is valid."""
    return [
        row["id"] for row in await conn.fetch("SELECT id FROM devices WHERE revoked_at IS NULL")
    ]


async def valid_names(conn: asyncpg.Connection | asyncpg.Pool) -> list[str]:
    """The names of the devices whose token is valid, in alphabetical order."""
    rows = await conn.fetch(
        "SELECT name FROM devices WHERE revoked_at IS NULL ORDER BY lower(name)"
    )
    return [row["name"] for row in rows]


async def connected_to(pool: asyncpg.Pool, instance_id: str) -> list[str]:
    """The ids of the unrevoked devices whose link ``instance_id`` holds."""
    rows = await pool.fetch(
        "SELECT id FROM devices WHERE connected_instance = $1 AND revoked_at IS NULL", instance_id
    )
    return [row["id"] for row in rows]


async def capabilities_of(pool: asyncpg.Pool, device_id: str) -> list[str] | None:
    """What the device said it has and runs in its last hello; None for an unknown device."""
    found: list[str] | None = await pool.fetchval(
        "SELECT capabilities FROM devices WHERE id = $1", device_id
    )
    return found


async def valid_settings(pool: asyncpg.Pool, device_id: str) -> dict[str, Any] | None:
    """The settings of an unrevoked device; None when there is no such device."""
    found: dict[str, Any] | None = await pool.fetchval(
        "SELECT settings FROM devices WHERE id = $1 AND revoked_at IS NULL", device_id
    )
    return found


async def location(conn: asyncpg.Connection | asyncpg.Pool, device_id: str) -> Location | None:
    """Where the device is (its hello's location); None when unknown."""
    row = await conn.fetchrow("SELECT lat, lon FROM devices WHERE id = $1", device_id)
    if row is None or row["lat"] is None or row["lon"] is None:
        return None
    return Location(lat=row["lat"], lon=row["lon"])


async def live(
    conn: asyncpg.Connection,
    capabilities: Collection[str],
    *,
    device_name: str | None,
    exclude: Collection[str],
    seen_within_s: float,
) -> list[LiveDevice]:
    """Live (a link held, heard from within ``seen_within_s``), unrevoked devices with every one
    of ``capabilities`` (and the name, if given), but none of ``exclude``."""
    rows = await conn.fetch(
        "SELECT id, name, load, lat, lon FROM devices"
        " WHERE revoked_at IS NULL AND connected_instance IS NOT NULL"
        " AND last_seen > now() - make_interval(secs => $2)"
        " AND capabilities @> $1::jsonb"
        " AND ($3::text IS NULL OR lower(name) = lower($3))"
        " AND NOT (id = ANY($4::text[]))",
        sorted(capabilities),
        float(seen_within_s),
        device_name,
        list(exclude),
    )
    return [
        LiveDevice(
            id=row["id"],
            name=row["name"],
            load=row["load"],
            location=(
                None
                if row["lat"] is None or row["lon"] is None
                else Location(lat=row["lat"], lon=row["lon"])
            ),
        )
        for row in rows
    ]


async def target_by_id(conn: asyncpg.Connection, device_id: str) -> asyncpg.Record:
    """``id, name, capabilities, lat, lon`` of the device (the asking one: it is enrolled)."""
    row: asyncpg.Record = await conn.fetchrow(
        "SELECT id, name, capabilities, lat, lon FROM devices WHERE id = $1", device_id
    )
    return row


async def target_by_name(conn: asyncpg.Connection, name: str) -> asyncpg.Record | None:
    """``id, name, capabilities, lat, lon`` of the unrevoked device called ``name``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT id, name, capabilities, lat, lon FROM devices"
        " WHERE lower(name) = lower($1) AND revoked_at IS NULL",
        name,
    )
    return row


@dataclass(frozen=True, slots=True)
class CommandTarget:
    id: str
    name: str
    online: bool
    """Heard from lately over a link it holds (or the asker itself)."""


async def command_target(
    conn: asyncpg.Connection, name: str, *, asker: str
) -> CommandTarget | None:
    """The unrevoked device called ``name``, for a command ``asker`` sends it."""
    row = await conn.fetchrow(
        "SELECT id, name, (id = $2 OR (connected_instance IS NOT NULL"
        f" AND last_seen > now() - interval '{ONLINE_WITHIN_S} s')) AS online"
        " FROM devices WHERE lower(name) = lower($1) AND revoked_at IS NULL",
        name,
        asker,
    )
    return None if row is None else CommandTarget(row["id"], row["name"], row["online"])

"""Device enrollment and authentication: device tokens, the admin token, revocation.

A device token is ``<device id>.<secret>``: the id finds the row, and the sha256 of the whole
token is compared in constant time with the stored hash. Tokens carry 256 random bits, so a fast
hash is enough (no password KDF); the token itself is shown once and never stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from cloud.errors import (
    CloudError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    UnauthorizedError,
)
from cloud.store.database import ACQUIRE_TIMEOUT_S
from models import Device, Location, new_id

log = structlog.get_logger(__name__)

REVOKED_CHANNEL = "jarvis_revoked"
"""NOTIFY payload: a device id whose token stopped working; instances close its link."""
ONLINE_WITHIN_S = 30
"""A device counts as online when it holds a link and was heard from this recently."""
MAX_NAME_LENGTH = 64


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    id: str
    name: str
    revoked: bool
    online: bool
    created_at: datetime
    last_seen: datetime | None
    load: dict[str, Any] | None
    version: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "revoked": self.revoked,
            "online": self.online,
            "created_at": self.created_at.isoformat(),
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "load": self.load,
            "version": self.version,
        }


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _new_token(device_id: str) -> str:
    return f"{device_id}.{secrets.token_urlsafe(32)}"


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidRequestError(f"name: must be 1 to {MAX_NAME_LENGTH} characters")
    return cleaned


async def enroll_device(pool: asyncpg.Pool, name: str, *, replace: bool = False) -> tuple[str, str]:
    """Enroll a device called ``name``; returns ``(device_id, token)``, the token shown once.

    A name is unique (case-insensitive). With ``replace``, an existing device of that name keeps
    its id, settings and pending messages and gets a fresh token (the old one stops working);
    without it, an existing name is a ConflictError.
    """
    name = _clean_name(name)
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        existing = await conn.fetchval("SELECT id FROM devices WHERE lower(name) = lower($1)", name)
        if existing is not None:
            if not replace:
                raise ConflictError(f"A device called {name!r} is already enrolled.")
            token = _new_token(existing)
            await conn.execute(
                "UPDATE devices SET token_hash = $2, revoked_at = NULL WHERE id = $1",
                existing,
                hash_token(token),
            )
            await conn.execute("SELECT pg_notify($1, $2)", REVOKED_CHANNEL, existing)
            log.info("device token replaced", enrolled_device=existing, name=name)
            return existing, token
        device_id = new_id()
        token = _new_token(device_id)
        try:
            await conn.execute(
                "INSERT INTO devices (id, name, token_hash) VALUES ($1, $2, $3)",
                device_id,
                name,
                hash_token(token),
            )
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"A device called {name!r} is already enrolled.") from None
    log.info("device enrolled", enrolled_device=device_id, name=name)
    return device_id, token


async def revoke_token(pool: asyncpg.Pool, device: str) -> str:
    """Revoke the token of a device given by id or name; returns the device id."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        device_id = await conn.fetchval(
            "UPDATE devices SET revoked_at = coalesce(revoked_at, now())"
            " WHERE id = $1 OR lower(name) = lower($1) RETURNING id",
            device,
        )
        if device_id is None:
            raise NotFoundError(f"No device {device!r}.")
        # Links already open were authenticated with the old token: every instance drops them.
        await conn.execute("SELECT pg_notify($1, $2)", REVOKED_CHANNEL, device_id)
    log.info("device token revoked", revoked_device=device_id)
    return str(device_id)


async def list_devices(pool: asyncpg.Pool) -> list[DeviceInfo]:
    rows = await pool.fetch(
        "SELECT id, name, revoked_at IS NOT NULL AS revoked, created_at, last_seen, load, version,"
        f" (connected_instance IS NOT NULL AND last_seen > now() - interval '{ONLINE_WITHIN_S} s')"
        " AS online FROM devices ORDER BY lower(name)"
    )
    return [
        DeviceInfo(
            id=row["id"],
            name=row["name"],
            revoked=row["revoked"],
            online=row["online"],
            created_at=row["created_at"],
            last_seen=row["last_seen"],
            load=row["load"],
            version=row["version"],
        )
        for row in rows
    ]


async def authenticate_device(pool: asyncpg.Pool, authorization: str | None) -> str:
    """The device id a ``Bearer`` header belongs to; UnauthorizedError when it has none."""
    token = bearer_token(authorization)
    device_id, _, secret = token.partition(".")
    if not secret:
        raise UnauthorizedError("wrong")
    row = await pool.fetchrow(
        "SELECT token_hash, revoked_at IS NOT NULL AS revoked FROM devices WHERE id = $1",
        device_id,
    )
    if row is None or not hmac.compare_digest(bytes(row["token_hash"]), hash_token(token)):
        raise UnauthorizedError("wrong")
    if row["revoked"]:
        raise UnauthorizedError("revoked")
    return device_id


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise UnauthorizedError("missing")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedError("wrong")
    return token.strip()


def check_admin(admin_token: str, authorization: str | None) -> None:
    """Raise UnauthorizedError unless the header carries the admin token."""
    token = bearer_token(authorization)
    if not hmac.compare_digest(hash_token(token), hash_token(admin_token)):
        raise UnauthorizedError("wrong")


def ensure_admin_token(data_dir: Path) -> str:
    """The admin token in ``<data_dir>/cloud/admin_token``, made (mode 0600) on first start."""
    folder = data_dir / "cloud"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "admin_token"
    if not path.exists():
        draft = folder / f".admin_token.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
        # link() never replaces: when two instances start together, the first token wins.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
        log.info("admin token created", path=str(path))
    token = path.read_text(encoding="utf-8").strip()
    if not token:
        raise CloudError(f"{path} is empty; delete it to make a new admin token")
    return token


# ---- the devices' rows as the rest of the cloud reads and writes them ------------------------


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

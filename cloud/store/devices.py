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
from models import new_id

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

"""Each device's settings. The cloud is their source of truth and pushes changes to the device."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import asyncpg
import msgspec

from cloud.errors import InvalidRequestError, NotFoundError
from cloud.store import outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from models import messages
from models.messages import ConfigBody
from models.settings import DeviceSettings as WireSettings

UTC = zoneinfo.ZoneInfo("UTC")


class DeviceSettings(WireSettings, forbid_unknown_fields=True, omit_defaults=True, frozen=True):
    """``models.settings.DeviceSettings`` as the API takes them: unknown keys refused."""


def parse_settings(data: object) -> DeviceSettings:
    """Validate a JSON object of settings; InvalidRequestError names the field at fault."""
    if not isinstance(data, dict):
        raise InvalidRequestError("expected a JSON object of settings")
    try:
        return msgspec.convert(data, DeviceSettings)
    except msgspec.ValidationError as error:
        raise InvalidRequestError(str(error)) from None


def zone_of(settings: Mapping[str, Any]) -> tzinfo:
    name = settings.get("timezone")
    if not name:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


async def get_settings(pool: asyncpg.Pool | asyncpg.Connection, device_id: str) -> dict[str, Any]:
    settings = await pool.fetchval("SELECT settings FROM devices WHERE id = $1", device_id)
    if settings is None:
        raise NotFoundError(f"No device {device_id!r}.")
    return dict(settings)


async def put_settings(
    pool: asyncpg.Pool, device_id: str, settings: DeviceSettings, *, trace_id: str
) -> dict[str, Any]:
    """Replace the device's settings and push them to it (through its outbox)."""
    stored: dict[str, Any] = msgspec.to_builtins(settings)
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        found = await conn.fetchval(
            "UPDATE devices SET settings = $2 WHERE id = $1 RETURNING id", device_id, stored
        )
        if found is None:
            raise NotFoundError(f"No device {device_id!r}.")
        envelope = messages.envelope(ConfigBody(settings), trace_id=trace_id)
        # Settings cut short would be wrong settings: too big, they are refused (413).
        await outbox.enqueue(conn, device_id, envelope)
    return stored

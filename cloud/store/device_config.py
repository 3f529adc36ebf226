"""Each device's settings. The cloud is their source of truth and pushes changes to the device."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import tzinfo
from typing import Annotated, Any, Literal

import asyncpg
import msgspec

from cloud.errors import InvalidRequestError, NotFoundError
from cloud.store import outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from models import Envelope

UTC = zoneinfo.ZoneInfo("UTC")


class DeviceSettings(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, frozen=True):
    """Settings a device takes from the cloud; every one optional, unknown keys refused."""

    timezone: str | None = None
    """IANA zone for times said to this device ("Europe/Paris"); unset means UTC."""
    wake_word: str | None = None
    voice: str | None = None
    """A TTS voice name the edge understands."""
    volume: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    """Speaking volume, percent."""
    language: str | None = None
    """BCP 47 tag ("en-US")."""
    place: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    """Where the device is, by name ("Lisbon"), for the weather; unset: the location its
    hello gave (``JARVIS_LOCATION``)."""
    temperature_unit: Literal["celsius", "fahrenheit"] | None = None
    """How temperatures are said; unset: what the ``language`` tag's region uses."""
    ha_url: str | None = None
    """The user's Home Assistant (``http://homeassistant.local:8123``); the edge calls it."""
    ha_token: str | None = None
    """A Home Assistant long-lived access token, for the edge; never logged."""

    def __post_init__(self) -> None:
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if self.ha_url is not None and not self.ha_url.startswith(("http://", "https://")):
            raise ValueError(f"ha_url: expected an http(s) URL, got {self.ha_url!r}")


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
        envelope = Envelope(type="config", body={"settings": stored}, trace_id=trace_id)
        # Settings cut short would be wrong settings: too big, they are refused (413).
        await outbox.enqueue(conn, device_id, envelope)
    return stored

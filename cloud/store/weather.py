"""Forecasts and place names kept in PostgreSQL, shared by every cloud instance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

Connection: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True, slots=True)
class KeptPlace:
    name: str
    lat: float
    lon: float


async def kept_place(conn: Connection, query: str) -> KeptPlace | None:
    """The place found for ``query`` before (normalized by the caller)."""
    row = await conn.fetchrow("SELECT name, lat, lon FROM weather_places WHERE query = $1", query)
    return None if row is None else KeptPlace(row["name"], row["lat"], row["lon"])


async def keep_place(conn: Connection, query: str, place: KeptPlace) -> None:
    """Remember what ``query`` names (no TTL: place names do not move)."""
    await conn.execute(
        "INSERT INTO weather_places (query, name, lat, lon) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (query) DO UPDATE SET name = $2, lat = $3, lon = $4, found_at = now()",
        query,
        place.name,
        place.lat,
        place.lon,
    )


async def kept_forecast(conn: Connection, place_key: str, max_age_s: float) -> Any | None:
    """The forecast kept for ``place_key`` (as its ``to_wire``) if younger than ``max_age_s``."""
    row = await conn.fetchrow(
        "SELECT forecast FROM weather_forecasts"
        " WHERE place_key = $1 AND fetched_at > now() - make_interval(secs => $2)",
        place_key,
        max_age_s,
    )
    return None if row is None else row["forecast"]


async def keep_forecast(
    conn: Connection, place_key: str, forecast: dict[str, Any], fetched_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO weather_forecasts (place_key, forecast, fetched_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (place_key) DO UPDATE SET forecast = $2, fetched_at = $3",
        place_key,
        forecast,
        fetched_at,
    )

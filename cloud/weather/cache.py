"""Forecasts and place names kept in PostgreSQL, so the provider is asked at most once per place
per TTL whoever asks, and every cloud instance shares what any one of them fetched.

No transaction is held open while the provider is asked: the row is read, the provider called
(bounded by its timeout), then the row written.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec
import structlog

from cloud.errors import WeatherUnavailableError
from cloud.weather.port import Place, WeatherProvider
from models import DecodeError
from models.weather import Forecast

log = structlog.get_logger(__name__)

STALE_LIMIT_S = 6 * 3600.0
"""When the provider fails, a kept forecast younger than this is still said (with its age)."""


def place_key(place: Place) -> str:
    """Two decimals (about a kilometre): nearby asks share one forecast."""
    return f"{place.lat:.2f},{place.lon:.2f}"


async def find_place(
    pool: asyncpg.Pool | asyncpg.Connection, provider: WeatherProvider, name: str
) -> Place | None:
    """The place called ``name``, from the kept names or else the provider's geocoder."""
    query = " ".join(name.lower().split())
    row = await pool.fetchrow("SELECT name, lat, lon FROM weather_places WHERE query = $1", query)
    if row is not None:
        return Place(row["name"], row["lat"], row["lon"])
    place = await provider.find_place(query)
    if place is None:
        return None
    # Place names do not move: kept without a TTL.
    await pool.execute(
        "INSERT INTO weather_places (query, name, lat, lon) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (query) DO UPDATE SET name = $2, lat = $3, lon = $4, found_at = now()",
        query,
        place.name,
        place.lat,
        place.lon,
    )
    return place


async def kept_forecast(
    pool: asyncpg.Pool | asyncpg.Connection, place: Place, max_age_s: float
) -> Forecast | None:
    """The kept forecast for ``place`` if it is younger than ``max_age_s``, named as ``place``."""
    row = await pool.fetchrow(
        "SELECT forecast FROM weather_forecasts"
        " WHERE place_key = $1 AND fetched_at > now() - make_interval(secs => $2)",
        place_key(place),
        max_age_s,
    )
    if row is None:
        return None
    try:
        forecast = Forecast.from_wire(row["forecast"])
    except DecodeError as error:
        log.warning("weather.kept_unreadable", place_key=place_key(place), field=error.field)
        return None
    return msgspec.structs.replace(forecast, place=place.name)


async def forecast_for(
    pool: asyncpg.Pool | asyncpg.Connection,
    provider: WeatherProvider,
    place: Place,
    *,
    ttl_s: float,
) -> Forecast:
    """A forecast for ``place`` at most ``ttl_s`` old, fetched when the kept one is older. When
    the provider fails, a kept one up to ``STALE_LIMIT_S`` old stands in (it says its age);
    otherwise ``WeatherUnavailableError`` goes up."""
    kept = await kept_forecast(pool, place, ttl_s)
    if kept is not None:
        return kept
    try:
        fresh = await provider.forecast(place)
    except WeatherUnavailableError:
        stale = await kept_forecast(pool, place, STALE_LIMIT_S)
        if stale is None:
            raise
        log.warning("weather.stale_kept_forecast", place_key=place_key(place))
        return stale
    await pool.execute(
        "INSERT INTO weather_forecasts (place_key, forecast, fetched_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (place_key) DO UPDATE SET forecast = $2, fetched_at = $3",
        place_key(place),
        fresh.to_wire(),
        datetime.fromtimestamp(fresh.fetched_at).astimezone(),
    )
    return msgspec.structs.replace(fresh, place=place.name)

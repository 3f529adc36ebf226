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
from cloud.store import weather as stored_weather
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
    kept = await stored_weather.kept_place(pool, query)
    if kept is not None:
        return Place(kept.name, kept.lat, kept.lon)
    place = await provider.find_place(query)
    if place is None:
        return None
    # Place names do not move: kept without a TTL.
    await stored_weather.keep_place(
        pool, query, stored_weather.KeptPlace(place.name, place.lat, place.lon)
    )
    return place


async def kept_forecast(
    pool: asyncpg.Pool | asyncpg.Connection, place: Place, max_age_s: float
) -> Forecast | None:
    """The kept forecast for ``place`` if it is younger than ``max_age_s``, named as ``place``."""
    kept = await stored_weather.kept_forecast(pool, place_key(place), max_age_s)
    if kept is None:
        return None
    try:
        forecast = Forecast.from_wire(kept)
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
    await stored_weather.keep_forecast(
        pool,
        place_key(place),
        fresh.to_wire(),
        datetime.fromtimestamp(fresh.fetched_at).astimezone(),
    )
    return msgspec.structs.replace(fresh, place=place.name)

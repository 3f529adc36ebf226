"""Answering the weather, and keeping each connected device's own forecast fresh on the device.

The cloud is the truth, the edge a TTL cache: a device's forecast (for its ``place`` setting, or
where it said it is in its hello) is pushed to it with its settings in a ``config`` message,
again whenever the kept one is older than the TTL, so the edge can say "what's the weather"
itself, offline too, and forwards only what its copy cannot answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zoneinfo
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from cloud.errors import WeatherUnavailableError
from cloud.store import device_state, outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.weather import cache as weather_cache
from cloud.weather.plans import Weather
from cloud.weather.port import Place, WeatherProvider
from models import messages, new_id
from models.codec import from_wire
from models.messages import ConfigBody
from models.settings import DeviceSettings
from models.weather import Forecast, spoken_weather, unit_for

log = structlog.get_logger(__name__)

PUSH_CHECK_S = 60.0
"""How often the connected devices' forecasts are looked at (and pushed when renewed)."""
NO_PLACE_TEXT = (
    "I don't know where this device is. Ask with a place, like “what's the weather in Lisbon”, "
    "or give the device a place in its settings."
)


def unknown_place_text(name: str) -> str:
    return f"I don't know a place called {name.title()}."


def unavailable_text(error: WeatherUnavailableError) -> str:
    return f"Sorry, I can't get the weather right now: {error.message}."


class WeatherService:
    """Says the weather for a request, and pushes devices their own forecast."""

    def __init__(self, pool: asyncpg.Pool, provider: WeatherProvider, *, ttl_s: float) -> None:
        self._pool = pool
        self._provider = provider
        self.ttl_s = ttl_s
        """A kept forecast older than this is fetched again."""

    async def answer(
        self, request: Weather, device_id: str, settings: Mapping[str, Any], now: datetime
    ) -> str:
        """The sentence for ``request`` from ``device_id`` (``now`` aware). A provider failure
        or an unknown place is a short sentence; a database failure goes up."""
        try:
            if request.place is None:
                place = await self.home_place(device_id, settings)
                if place is None:
                    return NO_PLACE_TEXT
            else:
                place = await weather_cache.find_place(self._pool, self._provider, request.place)
                if place is None:
                    return unknown_place_text(request.place)
            forecast = await weather_cache.forecast_for(
                self._pool, self._provider, place, ttl_s=self.ttl_s
            )
        except WeatherUnavailableError as error:
            return unavailable_text(error)
        if request.place is None or request.place == _home_name(settings):
            # Asked for its own place: the device gets the fresh copy and answers next time.
            await self.push(device_id, settings, forecast)
        unit = unit_for(settings.get("temperature_unit"), settings.get("language"))
        return spoken_weather(
            forecast, request.when, now=_in_zone(now, forecast.timezone), unit=unit
        )

    async def home_place(self, device_id: str, settings: Mapping[str, Any]) -> Place | None:
        """Where the device is: its ``place`` setting, else the point its hello gave (said
        without a name), else None."""
        name = settings.get("place")
        if isinstance(name, str) and name.strip():
            return await weather_cache.find_place(self._pool, self._provider, name)
        found = await device_state.location(self._pool, device_id)
        if found is None:
            return None
        return Place("", found.lat, found.lon)

    async def push(self, device_id: str, settings: Mapping[str, Any], forecast: Forecast) -> None:
        """Queue the device's settings with its forecast (a ``config`` message)."""
        body = ConfigBody(from_wire(settings, DeviceSettings, "settings"), forecast)
        envelope = messages.envelope(body, trace_id=new_id())
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            await outbox.enqueue(conn, device_id, envelope)
        log.info("weather.pushed", device_id=device_id, fetched_at=forecast.fetched_at)

    async def push_home(self, device_id: str) -> float | None:
        """Push the device its own forecast; its ``fetched_at``, or None when it has no place."""
        settings = await device_state.valid_settings(self._pool, device_id)
        if settings is None:
            return None
        place = await self.home_place(device_id, settings)
        if place is None:
            return None
        forecast = await weather_cache.forecast_for(
            self._pool, self._provider, place, ttl_s=self.ttl_s
        )
        await self.push(device_id, settings, forecast)
        return forecast.fetched_at


class WeatherPusher:
    """Keeps the forecasts of the devices connected to this instance fresh on them. ``run``
    until cancelled; ``wake`` when a device connects."""

    def __init__(
        self, service: WeatherService, pool: asyncpg.Pool, instance_id: str, *, check_s: float
    ) -> None:
        self._service = service
        self._pool = pool
        self._instance_id = instance_id
        self._check_s = check_s
        self._wake = asyncio.Event()
        self._asked: set[str] = set()
        self._pushed: dict[str, float] = {}
        """device id → ``fetched_at`` of the forecast it was last pushed (this instance's
        memory only: after a restart each device simply gets one push more)."""

    def wake(self, device_id: str) -> None:
        """Push ``device_id`` its forecast soon (it just connected)."""
        self._asked.add(device_id)
        self._wake.set()

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._check_s):
                    await self._wake.wait()
            self._wake.clear()
            await self._push_due()

    async def _push_due(self) -> None:
        try:
            connected = await device_state.connected_to(self._pool, self._instance_id)
        except (asyncpg.PostgresError, OSError, TimeoutError) as error:
            log.warning("weather.push_check_failed", error=str(error))
            return
        asked, self._asked = self._asked, set()
        renew_before = time.time() - self._service.ttl_s
        for device_id in sorted(set(connected) | asked):
            if device_id not in asked and self._pushed.get(device_id, 0.0) > renew_before:
                continue
            try:
                fetched_at = await self._service.push_home(device_id)
            except WeatherUnavailableError as error:
                log.warning("weather.push_failed", device_id=device_id, reason=error.message)
                continue
            except (asyncpg.PostgresError, OSError, TimeoutError) as error:
                log.warning("weather.push_failed", device_id=device_id, reason=str(error))
                continue
            except Exception:
                # One device's bad data must not end the pushes for all the others.
                log.exception("weather.push_failed", device_id=device_id)
                continue
            if fetched_at is not None:
                self._pushed[device_id] = fetched_at


def _home_name(settings: Mapping[str, Any]) -> str | None:
    """The device's ``place`` setting as a request would name it ("lisbon")."""
    name = settings.get("place")
    return " ".join(name.lower().split()) if isinstance(name, str) else None


def _in_zone(now: datetime, zone: str) -> datetime:
    """``now`` in the forecast place's zone: its "tomorrow" is the place's own."""
    try:
        return now.astimezone(zoneinfo.ZoneInfo(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now

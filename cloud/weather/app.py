"""The weather's part of a cloud instance: the provider's HTTP session, the service and the
pusher, started and ended with the app (an aiohttp ``cleanup_ctx``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import aiohttp
from aiohttp import web

from cloud.keys import INSTANCE_ID, POOL, WEATHER, WEATHER_PUSHER
from cloud.weather import open_meteo
from cloud.weather.service import PUSH_CHECK_S, WeatherPusher, WeatherService
from jarvis.settings import Settings


def weather_context(
    settings: Settings, *, check_s: float = PUSH_CHECK_S
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """Open-Meteo at the configured URLs; ``check_s``: how often connected devices' forecasts
    are looked at."""
    config = open_meteo.config_from(settings)

    @contextlib.asynccontextmanager
    async def context(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as session:
            provider = open_meteo.OpenMeteo(session, config)
            app[WEATHER] = service = WeatherService(
                app[POOL], provider, ttl_s=settings.weather_ttl_s
            )
            app[WEATHER_PUSHER] = pusher = WeatherPusher(
                service, app[POOL], app[INSTANCE_ID], check_s=check_s
            )
            task = asyncio.create_task(pusher.run(), name="weather pusher")
            try:
                yield
            finally:
                # Not cancel_and_wait: on shutdown this runs in the cancelled main task, where
                # it would raise a second CancelledError beside the background tasks' own, and
                # aiohttp turns two into a CleanupError. ``wait`` raises only if we are
                # cancelled again while waiting, and the pusher's own cancellation stays its own.
                task.cancel()
                await asyncio.wait([task])

    return context


def push_soon(app: web.Application, device_id: str) -> None:
    """Push the device its own forecast soon: it just connected, or its settings (its place)
    changed. A no-op before the weather is set up."""
    pusher = app.get(WEATHER_PUSHER)
    if pusher is not None:
        pusher.wake(device_id)

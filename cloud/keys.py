"""Typed places for the services one cloud instance shares between its handlers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

from cloud.link.registry import LinkRegistry
from cloud.planning.planner import Planner

if TYPE_CHECKING:  # request handling imports the skills, which import these keys
    from cloud.requests.batching import Batches
    from cloud.requests.hot_path import RequestBatches
    from cloud.store.device_directory import DeviceDirectory
    from cloud.store.outbox import Ack
    from cloud.weather.service import WeatherPusher, WeatherService

POOL = web.AppKey("pool", asyncpg.Pool)
PLANNER = web.AppKey("planner", Planner)
LINKS = web.AppKey("links", LinkRegistry)
INSTANCE_ID = web.AppKey("instance_id", str)
REQUESTS: web.AppKey[RequestBatches] = web.AppKey("requests")
ACKS: web.AppKey[Batches[Ack, int]] = web.AppKey("acks")
DEVICES: web.AppKey[DeviceDirectory] = web.AppKey("devices")
ADMIN_TOKEN = web.AppKey("admin_token", str)
RETENTION = web.AppKey("retention", timedelta)
"""How long handled message ids, delivered messages and trace events are kept."""
REMINDER_WAKE = web.AppKey("reminder_wake", asyncio.Event)
"""Set when a reminder was stored anywhere (NOTIFY), so this instance's scheduler looks again."""
WEATHER: web.AppKey[WeatherService] = web.AppKey("weather")
"""Answers the weather (set once the instance's HTTP session for the provider is open)."""
WEATHER_PUSHER: web.AppKey[WeatherPusher] = web.AppKey("weather_pusher")
"""Keeps connected devices' own forecasts fresh on them; woken when a device connects."""

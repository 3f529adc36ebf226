"""Typed places for the services one cloud instance shares between its handlers.

Names only: the services' types are imported for the type checker alone, so any layer may name
a key without importing what sits above it (``cloud.app`` puts the services there).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

import asyncpg
from aiohttp import web

if TYPE_CHECKING:
    from cloud.link.registry import LinkRegistry
    from cloud.missions.lifecycle import MissionConfig
    from cloud.planning.planner import Planner
    from cloud.planning.second_chance import SecondChance
    from cloud.requests.batching import Batches
    from cloud.requests.hot_path import RequestBatches
    from cloud.store.device_directory import DeviceDirectory
    from cloud.store.outbox import Ack
    from cloud.weather.service import WeatherPusher, WeatherService

POOL = web.AppKey("pool", asyncpg.Pool)
PLANNER: web.AppKey[Planner] = web.AppKey("planner")
LINKS: web.AppKey[LinkRegistry] = web.AppKey("links")
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
MISSION_CONFIG: web.AppKey[MissionConfig] = web.AppKey("mission_config")
"""Mission leases and the privacy distance, from the settings."""
SECOND_CHANCE: web.AppKey[SecondChance] = web.AppKey("second_chance")
"""The instance's second chance, while the instance runs (absent when turned off)."""

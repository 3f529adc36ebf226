"""Typed places for the services one cloud instance shares between its handlers."""

from __future__ import annotations

import asyncio

import asyncpg
from aiohttp import web

from cloud.links import LinkRegistry
from cloud.planner import Planner

POOL = web.AppKey("pool", asyncpg.Pool)
PLANNER = web.AppKey("planner", Planner)
LINKS = web.AppKey("links", LinkRegistry)
INSTANCE_ID = web.AppKey("instance_id", str)
ADMIN_TOKEN = web.AppKey("admin_token", str)
REMINDER_WAKE = web.AppKey("reminder_wake", asyncio.Event)
"""Set when a reminder was stored anywhere (NOTIFY), so this instance's scheduler looks again."""

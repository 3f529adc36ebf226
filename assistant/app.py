"""The edge process, wired by hand: database, skills, conversation, HTTP API."""

from __future__ import annotations

import asyncio
import os
import zoneinfo
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import tzinfo
from pathlib import Path

import structlog
import tzlocal
from aiohttp import web

from assistant.cloud_link import NoCloudLink
from assistant.conversation import Conversation, Identity
from assistant.database import open_database
from assistant.events import ReplyBus
from assistant.history import History
from assistant.http_api import create_api
from assistant.platform import discover
from assistant.skills import Skills
from jarvis.logs import traced
from jarvis.settings import Settings
from models import new_id

log = structlog.get_logger(__name__)

DEVICE_ID_FILE = "device_id"


def device_id(data_dir: Path) -> str:
    """This device's stable id, made once and kept in the data dir."""
    path = data_dir / DEVICE_ID_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = new_id()
    # Written aside and renamed, so a crash never leaves an empty id behind.
    partial = path.with_suffix(".partial")
    partial.write_text(value, encoding="utf-8")
    os.replace(partial, path)
    return value


def local_timezone(settings: Settings) -> tzinfo:
    if settings.timezone:
        return zoneinfo.ZoneInfo(settings.timezone)
    return tzlocal.get_localzone()


async def run_edge(settings: Settings, on_ready: Callable[[str], None] | None = None) -> None:
    """Run the edge until cancelled; ``on_ready`` gets the API's base URL once it listens."""
    identity = Identity(device_id=device_id(settings.data_dir), session_id=new_id())
    with traced(device_id=identity.device_id, session_id=identity.session_id):
        async with AsyncExitStack() as stack:
            db = await open_database(settings.data_dir)
            stack.push_async_callback(db.close)
            bus = ReplyBus()
            adapters = await discover()
            skills = await Skills.start(
                db,
                bus.publish,
                timezone=local_timezone(settings),
                adapters=adapters,
                data_dir=settings.data_dir,
            )
            stack.push_async_callback(skills.close)
            conversation = Conversation(
                identity=identity, skills=skills, history=History(db), bus=bus, cloud=NoCloudLink()
            )
            stack.push_async_callback(conversation.close)
            # Open event streams never end by themselves: give them a short grace, then cancel.
            runner = web.AppRunner(create_api(conversation, bus), shutdown_timeout=2.0)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, settings.edge_host, settings.edge_port)
            await site.start()
            url = _base_url(runner, settings.edge_host)
            log.info("edge.ready", url=url, device_name=settings.device_name, adapters=adapters)
            if on_ready:
                on_ready(url)
            await asyncio.Event().wait()


def _base_url(runner: web.AppRunner, host: str) -> str:
    address = runner.addresses[0]
    port = address[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"

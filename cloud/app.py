"""Wiring for one cloud instance: the aiohttp app over an asyncpg pool, and running it.

``create_app`` builds the application for a pool that is already migrated; ``running_cloud``
does everything (embedded PostgreSQL when ``DATABASE_URL`` is unset, pool, migrations, HTTP
server) for as long as its block lasts; ``run_cloud`` runs until cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

import aiohttp
import asyncpg
import structlog
from aiohttp import web

from cloud.capabilities import reminders
from cloud.capabilities.planners import LlmPlanner, RulePlanner
from cloud.errors import CloudError
from cloud.http import console_api, rest_requests
from cloud.http import devices_api as http_api
from cloud.http import missions_api as mission_api
from cloud.http.errors import json_errors
from cloud.keys import (
    ACKS,
    ADMIN_TOKEN,
    DEVICES,
    INSTANCE_ID,
    LINKS,
    MISSION_CONFIG,
    PLANNER,
    POOL,
    REMINDER_WAKE,
    REQUESTS,
    RETENTION,
    SECOND_CHANCE,
    WEATHER,
    WEATHER_PUSHER,
)
from cloud.link import notify
from cloud.link import socket as edge_link
from cloud.link.registry import LinkRegistry
from cloud.missions import lifecycle as missions
from cloud.missions import supervisor as mission_supervisor
from cloud.planning import language_model as llm_planner
from cloud.planning.planner import Planner
from cloud.planning.second_chance import SecondChance
from cloud.requests.batching import Batches
from cloud.requests.hot_path import RequestBatches
from cloud.store import database, outbox, retention
from cloud.store.device_directory import DeviceDirectory
from cloud.store.devices import ensure_admin_token
from cloud.weather import open_meteo
from cloud.weather.service import PUSH_CHECK_S, WeatherPusher, WeatherService
from jarvis.http_guard import allowed_hosts, host_guard, runner_options
from jarvis.ports import cannot_listen
from jarvis.settings import Settings
from jarvis.tasks import cancel_and_wait
from models import new_id

log = structlog.get_logger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0
ACK_BATCH = 1000
"""Acks marked delivered per statement at most."""


@dataclass(frozen=True, slots=True)
class RunningCloud:
    """A cloud instance serving right now (see ``running_cloud``)."""

    url: str
    pool: asyncpg.Pool
    instance_id: str
    admin_token: str


async def create_app(
    settings: Settings,
    pool: asyncpg.Pool,
    instance_id: str,
    *,
    planner: Planner | None = None,
) -> web.Application:
    """The cloud application; ``planner`` defaults to the rules, or the LLM when configured."""
    hosts = allowed_hosts(settings.cloud_host, settings.allowed_hosts)
    app = web.Application(
        middlewares=[host_guard(hosts), json_errors],
        client_max_size=1024 * 1024,
    )
    app[POOL] = pool
    app[INSTANCE_ID] = instance_id
    app[ADMIN_TOKEN] = await asyncio.to_thread(ensure_admin_token, settings.data_dir)
    app[LINKS] = LinkRegistry()
    app[DEVICES] = directory = DeviceDirectory(pool)
    app[REQUESTS] = RequestBatches(
        pool,
        lambda: app[PLANNER],
        instance_id,
        directory,
        weather=lambda: app.get(WEATHER),
        second_chance=lambda: app.get(SECOND_CHANCE),
    )
    app[ACKS] = Batches(
        "acks",
        functools.partial(outbox.acknowledge_batch, pool),
        max_batch=ACK_BATCH,
        workers=1,
    )
    app[REMINDER_WAKE] = asyncio.Event()
    app[RETENTION] = timedelta(days=settings.retention_days)
    app[MISSION_CONFIG] = mission_config = missions.config_from(settings)
    rules = RulePlanner(privacy_distance_km=mission_config.privacy_distance_km)
    llm = llm_planner.config_from(settings)
    if planner is not None or llm is None:
        app[PLANNER] = planner or rules
    else:
        app.cleanup_ctx.append(_llm_planner(llm, rules))
    app.add_routes(http_api.routes)
    app.add_routes(rest_requests.routes)
    app.add_routes(mission_api.routes)
    app.add_routes(console_api.routes)
    app.router.add_get("/v1/edge", edge_link.edge_socket)
    app.cleanup_ctx.append(_background)
    app.cleanup_ctx.append(weather_context(settings))
    app.cleanup_ctx.append(second_chance_context(settings.learned_tier))
    app.on_shutdown.append(_close_links)
    return app


def _llm_planner(
    config: llm_planner.LlmConfig, rules: RulePlanner
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def context(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=config.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[PLANNER] = LlmPlanner(
                session, config, fallback=rules, privacy_distance_km=rules.privacy_distance_km
            )
            log.info("language-model planner on", model=config.model)
            yield

    return context


def second_chance_context(
    enabled: bool,
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """The instance's second chance: loading starts with the instance, ends with it."""

    @contextlib.asynccontextmanager
    async def context(app: web.Application) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        chance = SecondChance()
        chance.start()
        app[SECOND_CHANCE] = chance
        try:
            yield
        finally:
            await chance.close()

    return context


def weather_context(
    settings: Settings, *, check_s: float = PUSH_CHECK_S
) -> Callable[[web.Application], contextlib.AbstractAsyncContextManager[None]]:
    """The weather's part of the instance: Open-Meteo at the configured URLs (its HTTP session),
    the service and the pusher, started and ended with the app; ``check_s``: how often connected
    devices' forecasts are looked at."""
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


async def _background(app: web.Application) -> AsyncIterator[None]:
    """The request and ack batch workers, the LISTEN connection, the reminder scheduler, the
    retention sweeper, the link watchdog and the mission supervisor, cancelled and awaited on
    exit."""
    listening = asyncio.Event()
    batches = [*app[REQUESTS].batches, app[ACKS]]
    tasks = [
        *(asyncio.create_task(each.run(), name=each.name) for each in batches),
        asyncio.create_task(
            notify.listen_forever(
                app[POOL], app[LINKS], app[REMINDER_WAKE], app[DEVICES].invalidate, listening
            )
        ),
        asyncio.create_task(reminders.run_scheduler(app[POOL], app[REMINDER_WAKE])),
        asyncio.create_task(retention.run_sweeper(app[POOL], app[RETENTION])),
        asyncio.create_task(app[LINKS].watch(edge_link.IDLE_TIMEOUT_S)),
        asyncio.create_task(mission_supervisor.run_supervisor(app[POOL], app[MISSION_CONFIG])),
    ]
    with contextlib.suppress(TimeoutError):
        # Serve only once notifications flow; a slow database must not stall start-up forever.
        async with asyncio.timeout(notify.ACQUIRE_TIMEOUT_S):
            await listening.wait()
    yield
    await cancel_and_wait(*tasks)
    await app[REQUESTS].release()
    await app[DEVICES].close()


async def _close_links(app: web.Application) -> None:
    await app[LINKS].close_all("the cloud instance is stopping")


@contextlib.asynccontextmanager
async def running_cloud(
    settings: Settings, *, host: str | None = None, planner: Planner | None = None
) -> AsyncIterator[RunningCloud]:
    """Start everything, serve on ``settings.cloud_port`` (0: a free one) while inside."""
    async with database.database_dsn(settings.database_url, settings.data_dir) as dsn:
        pool = await database.create_pool(dsn)
        try:
            await database.migrate(pool)
            instance_id = new_id()[:12]
            app = await create_app(settings, pool, instance_id, planner=planner)
            runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT_S, **runner_options())
            await runner.setup()
            try:
                host = host or settings.cloud_host
                site = web.TCPSite(runner, host, settings.cloud_port)
                try:
                    await site.start()
                except OSError as error:
                    raise CloudError(
                        cannot_listen(host, settings.cloud_port, error, "cloud_port")
                    ) from None
                port = runner.addresses[0][1]
                url = f"http://{host}:{port}"
                log.info("cloud listening", url=url, instance_id=instance_id)
                yield RunningCloud(url, pool, instance_id, app[ADMIN_TOKEN])
            finally:
                await runner.cleanup()
        finally:
            await database.close_pool(pool)


async def run_cloud(
    settings: Settings,
    on_ready: Callable[[str], object] | None = None,
    *,
    host: str | None = None,
) -> None:
    """Run one cloud instance until cancelled; ``on_ready(url)`` is called once it serves."""
    async with running_cloud(settings, host=host) as cloud:
        if on_ready is not None:
            on_ready(cloud.url)
        await asyncio.Event().wait()

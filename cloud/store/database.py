"""PostgreSQL for the cloud: the embedded server (pgserver), the asyncpg pool, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from cloud.errors import DatabaseError
from cloud.store import embedded_pg

log = structlog.get_logger(__name__)

MIGRATION_LOCK_KEY = 0x4A41525649530001
"""Advisory lock id taken while migrating, so instances starting together never race."""
CLOSE_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 10.0
ACQUIRE_TIMEOUT_S = 10.0
"""How long work waits for a free pooled connection before giving up."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@contextlib.asynccontextmanager
async def database_dsn(database_url: str | None, data_dir: Path) -> AsyncIterator[str]:
    """The DSN to use: ``database_url`` when set, else an embedded server under the data dir."""
    if database_url:
        yield database_url
        return
    server = await start_embedded(data_dir / "postgres")
    try:
        yield str(server.get_uri())
    finally:
        await stop_embedded(server)


async def start_embedded(pgdata: Path) -> Any:
    """Start (or join) the embedded PostgreSQL in ``pgdata``; pg_ctl blocks, so off the loop.

    Damaged data fails before pg_ctl runs, and any failure is one ``DatabaseError`` naming the
    data and the log; handles of processes that died (kill -9) are dropped first, so the last
    live process to leave stops the server (see ``cloud.store.embedded_pg``)."""
    get_server = embedded_pg.import_get_server()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    embedded_pg.check_not_damaged(pgdata)
    log.info("embedded postgres starting", pgdata=str(pgdata))
    try:
        await asyncio.to_thread(embedded_pg.forget_dead_handles, pgdata)
        server = await asyncio.to_thread(get_server, pgdata)
    except (OSError, subprocess.SubprocessError) as error:
        raise DatabaseError(embedded_pg.failure_message(pgdata, error)) from None
    await asyncio.to_thread(embedded_pg.tighten_data_dir, pgdata.parent)
    return server


async def stop_embedded(server: Any) -> None:
    """Release our handle: pgserver stops the server when its last process lets go."""
    await asyncio.to_thread(server.cleanup)
    log.info("embedded postgres released")


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release without asyncpg's reset query (``RESET ALL; UNLISTEN *``…): one round trip saved
    on every pooled query. The cloud changes no session state: no SET, no session advisory lock,
    no cursor outside a transaction, and ``notify`` UNLISTENs before it lets its connection go.
    asyncpg still rolls back a transaction left open and drops listener callbacks."""


async def create_pool(dsn: str, *, max_size: int = 16) -> asyncpg.Pool:
    """A pool whose connections read and write json/jsonb as Python values."""
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=30.0,
        )
    except (OSError, asyncpg.PostgresError) as error:
        raise DatabaseError(f"cannot connect to PostgreSQL: {error}") from error
    return pool


async def close_pool(pool: asyncpg.Pool) -> None:
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await pool.close()
    except TimeoutError:
        log.warning("postgres pool did not close in time; terminating it")
        pool.terminate()


def load_migrations() -> list[Migration]:
    """The SQL files in ``cloud/store/migrations``, in version order (``0001_init.sql``…)."""
    found = []
    for entry in resources.files("cloud.store").joinpath("migrations").iterdir():
        if not entry.name.endswith(".sql"):
            continue
        number, _, rest = entry.name.partition("_")
        if not number.isdigit():
            raise DatabaseError(f"migration {entry.name} does not start with a version number")
        found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise DatabaseError(f"two migrations share a version: {versions}")
    return found


async def migrate(pool: asyncpg.Pool) -> list[int]:
    """Apply the pending migrations in one transaction; returns the versions applied now."""
    migrations = load_migrations()
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        # Held to the end of the transaction: a second instance waits, then finds nothing to do.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
            applied.append(migration.version)
    if applied:
        log.info("migrations applied", versions=applied)
    return applied


async def ping(conn: asyncpg.Connection | asyncpg.Pool, *, timeout_s: float | None = None) -> None:
    """One round trip: raises when PostgreSQL (or this connection to it) is gone."""
    await conn.fetchval("SELECT 1", timeout=timeout_s)


async def now(conn: asyncpg.Connection) -> datetime:
    """The transaction's time on PostgreSQL's clock (the clock due times are compared on)."""
    moment: datetime = await conn.fetchval("SELECT now()")
    return moment

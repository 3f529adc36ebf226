"""PostgreSQL for the cloud tests: one server per session, a fresh database per test.

The server is an embedded PostgreSQL (pgserver) in a temporary folder, or the one named by
``DATABASE_URL`` when set. Each test gets ``CREATE DATABASE test_<random>``, so tests never see
each other's rows, and it is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web
from chat_completions import FakeChatCompletions
from cloud_helpers import CloudFactory

from cloud.store import database


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """A DSN to a PostgreSQL server where tests may create databases."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI containers); harmless here.
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

    # Not under pytest's tmp dirs: concurrent pytest runs of the same user rotate those away.
    parent = Path(tempfile.mkdtemp(prefix="jarvis-cloud-tests-"))
    server: Any = get_server(parent / "data", cleanup_mode="delete")
    # A throwaway server: durability buys nothing here, and every CREATE DATABASE syncs.
    server.psql("ALTER SYSTEM SET fsync = off; SELECT pg_reload_conf();")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
async def database_url(server_dsn: str) -> AsyncIterator[str]:
    """A DSN to a brand-new, empty database on the session's server."""
    name = f"test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name} STRATEGY FILE_COPY")
    finally:
        await admin.close()
    yield with_database(server_dsn, name)
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the test's database, migrated."""
    created = await database.create_pool(database_url, max_size=4)
    await database.migrate(created)
    yield created
    await database.close_pool(created)


@pytest.fixture
async def clouds(
    pool: asyncpg.Pool, database_url: str, tmp_path: Path
) -> AsyncIterator[CloudFactory]:
    """Starts cloud instances on the test's database (real sockets, port 0)."""
    factory = CloudFactory(pool, database_url, tmp_path / "data")
    yield factory
    await factory.close()


@pytest.fixture
async def chat() -> AsyncIterator[FakeChatCompletions]:
    """A chat-completions endpoint on 127.0.0.1 answering with what the test scripts."""
    fake = FakeChatCompletions()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}/v1"
    yield fake
    await runner.cleanup()

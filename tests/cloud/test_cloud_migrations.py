"""Schema migrations: versioned files, applied once, safe when instances start together."""

from __future__ import annotations

import asyncio

import asyncpg

from cloud.store import database


async def test_second_migration_changes_nothing(pool: asyncpg.Pool) -> None:
    """Migrating an up-to-date database applies nothing and records nothing new."""
    before = await pool.fetch("SELECT version, applied_at FROM schema_migrations ORDER BY 1")
    assert await database.migrate(pool) == []
    after = await pool.fetch("SELECT version, applied_at FROM schema_migrations ORDER BY 1")
    assert before == after
    assert [row["version"] for row in after] == [m.version for m in database.load_migrations()]


async def test_instances_migrating_together_do_not_race(database_url: str) -> None:
    """Two instances migrating one empty database at once apply each version exactly once."""
    pools = [await database.create_pool(database_url, max_size=2) for _ in range(2)]
    try:
        results = await asyncio.gather(*(database.migrate(each) for each in pools))
        versions = [m.version for m in database.load_migrations()]
        assert sorted(results, key=len) == [[], versions]
        count = await pools[0].fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(versions)
    finally:
        for each in pools:
            await database.close_pool(each)


async def test_schema_has_the_cloud_tables(pool: asyncpg.Pool) -> None:
    """The first migration creates every table the cloud keeps its state in."""
    tables = {
        row["tablename"]
        for row in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }
    assert {
        "devices",
        "outbox",
        "processed_messages",
        "reminders",
        "device_commands",
        "trace_events",
        "schema_migrations",
    } <= tables

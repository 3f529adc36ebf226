"""The edge's own database: one SQLite file under the data dir, opened with aiosqlite.

Schema changes are numbered migrations applied in order at start-up and recorded in
``PRAGMA user_version``, so opening an up-to-date database changes nothing.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiosqlite

from assistant.errors import DamagedStoreError

DATABASE_FILE = "edge.sqlite3"

MIGRATIONS: tuple[str, ...] = (
    # 1: timers, notes, lists, utterance history
    """
    CREATE TABLE timers (
        id TEXT PRIMARY KEY,
        name TEXT,
        duration_s REAL NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'paused')),
        ends_at REAL,          -- epoch seconds, while running
        remaining_s REAL,      -- while paused
        utterance_id TEXT,
        created_at REAL NOT NULL
    );
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        text TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE list_items (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        list TEXT NOT NULL,
        item TEXT NOT NULL,
        created_at REAL NOT NULL,
        UNIQUE (list, item)
    );
    CREATE TABLE utterances (
        id TEXT PRIMARY KEY,
        trace_id TEXT NOT NULL,
        text TEXT NOT NULL,
        intent TEXT,
        slots TEXT NOT NULL DEFAULT '{}',   -- JSON
        handled_by TEXT NOT NULL,
        status TEXT NOT NULL,
        reply TEXT,
        error TEXT,
        interpret_ms REAL NOT NULL,
        handle_ms REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX utterances_by_time ON utterances (created_at);
    """,
    # 2: the link to the cloud — outbox, received ids, the cached device settings
    """
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,       -- the envelope id, the cloud's idempotency key
        envelope TEXT NOT NULL,    -- JSON, exactly as it will be sent again
        created_at REAL NOT NULL
    );
    CREATE TABLE inbox_seen (
        id TEXT PRIMARY KEY,
        received_at REAL NOT NULL
    );
    CREATE TABLE device_config (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        settings TEXT NOT NULL,    -- JSON object, as the cloud sent it
        fetched_at REAL NOT NULL
    );
    """,
    # 3: when a later reply to an utterance is due (a reminder the cloud set)
    """
    ALTER TABLE utterances ADD COLUMN follow_up_at REAL;
    """,
    # 4: weather — the device's own forecast as the cloud last pushed it
    """
    CREATE TABLE weather_forecast (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        forecast TEXT NOT NULL,    -- JSON, models.weather.Forecast.to_wire()
        received_at REAL NOT NULL
    );
    """,
    # 5: phrases the user taught, as the cloud last sent them (or as taught here, until then)
    """
    CREATE TABLE taught_phrases (
        key TEXT PRIMARY KEY,      -- the phrase as matched: lower case, words only
        phrase TEXT NOT NULL,      -- as the user said it
        actions TEXT NOT NULL,     -- what it does, in the user's words
        intents TEXT NOT NULL      -- JSON [{"name", "slots"}], run in order
    );
    """,
    # 6: alarms — a time of day, once or repeating, and when each rings next
    """
    CREATE TABLE alarms (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,        -- "HH:MM", local wall time
        repeat TEXT,               -- daily, weekdays, weekends, "monday,friday"; null: once
        label TEXT,
        ring_at REAL NOT NULL,     -- epoch seconds of the next ring (a snooze moves it)
        snoozed INTEGER NOT NULL DEFAULT 0,
        utterance_id TEXT,
        created_at REAL NOT NULL
    );
    """,
    # 7: event history — every published reply, so a client that missed one is given it
    """
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,    -- grows across restarts: microseconds since the epoch
        ts REAL NOT NULL,          -- epoch seconds, when published
        kind TEXT NOT NULL,        -- reply, progress, timer, reminder…
        utterance_id TEXT,
        reply TEXT NOT NULL,       -- JSON, Reply.to_wire()
        seen INTEGER NOT NULL DEFAULT 0  -- an alert some client was sent
    );
    CREATE INDEX events_by_time ON events (ts);
    """,
    # 8: mute switches — a row per ear a person muted, so a mute survives a restart
    """
    CREATE TABLE mutes (
        ear TEXT PRIMARY KEY,      -- "microphone", or a Wyoming satellite's address as configured
        muted_at REAL NOT NULL     -- epoch seconds
    );
    """,
)


async def open_database(data_dir: Path) -> aiosqlite.Connection:
    """Open (creating when needed) the edge database and bring its schema up to date.

    A file SQLite cannot read raises ``DamagedStoreError`` saying what to do; the connection's
    thread is closed first, or it would keep the process alive after the error."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    path = data_dir / DATABASE_FILE
    db = await aiosqlite.connect(path)
    try:
        db.row_factory = aiosqlite.Row
        # WAL lets `jarvis history` read while the edge writes; NORMAL sync is safe with WAL.
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA busy_timeout=5000")
        await migrate(db)
    except sqlite3.DatabaseError as error:
        await db.close()
        raise DamagedStoreError(damaged_message(path, error)) from None
    except BaseException:
        await db.close()
        raise
    return db


def damaged_message(path: Path, error: Exception) -> str:
    """One line for a person: which file, what is wrong, what to do."""
    return (
        f"The edge database {path} is damaged ({error}). Move it aside "
        f"(mv {path} {path}.damaged) to start with an empty one, or restore it from a backup."
    )


async def migrate(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
        await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")

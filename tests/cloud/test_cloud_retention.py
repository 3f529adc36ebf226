"""cloud.store.retention: rows older than the retention go, in chunks; what is recent, or a message
not yet acked however old, stays."""

from __future__ import annotations

import json
from datetime import timedelta

import asyncpg

from cloud.store import devices, retention
from models import new_id

KEEP = timedelta(days=30)


async def test_old_rows_go_and_recent_or_unacked_ones_stay(pool: asyncpg.Pool) -> None:
    device_id, _ = await devices.enroll_device(pool, "kitchen pi")
    old, recent = "now() - interval '40 days'", "now() - interval '1 day'"
    for age, count in ((old, 7), (recent, 2)):
        for _ in range(count):
            await pool.execute(
                "INSERT INTO processed_messages (id, device_id, type, processed_at)"
                f" VALUES ($1, $2, 'request', {age})",
                new_id(),
                device_id,
            )
            await pool.execute(
                "INSERT INTO trace_events (trace_id, source, kind, ts)"
                f" VALUES ($1, 'cloud', 'received.request', {age})",
                new_id(),
            )
    outbox = {
        "old delivered": (old, old),
        "old pending": (old, "NULL"),
        "old, delivered lately": (old, recent),
        "recent delivered": (recent, recent),
    }
    for label, (created, delivered) in outbox.items():
        await pool.execute(
            "INSERT INTO outbox (id, device_id, envelope, created_at, delivered_at)"
            f" VALUES ($1, $2, $3::jsonb, {created}, {delivered})",
            label,
            device_id,
            json.dumps({"type": "reply"}),
        )

    removed = await retention.sweep(pool, KEEP, chunk=3)

    assert removed == {"processed_messages": 7, "outbox": 1, "trace_events": 7}
    assert await pool.fetchval("SELECT count(*) FROM processed_messages") == 2
    assert await pool.fetchval("SELECT count(*) FROM trace_events") == 2
    left = {row["id"] for row in await pool.fetch("SELECT id FROM outbox")}
    assert left == {"old pending", "old, delivered lately", "recent delivered"}
    assert await retention.sweep(pool, KEEP) == dict.fromkeys(removed, 0)

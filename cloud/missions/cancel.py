"""Stopping a mission before it ends: by the admin (``POST /v1/admin/missions/{id}/cancel``,
``jarvis missions cancel ID``) or by the device that asked for it ("cancel my backup script").

A cancelled mission is finished: its worker is told to stop the attempt (``mission_cancel``,
as a lapsed worker is) and its late reports are ignored like any stale attempt's. The utterance
that started it, which would otherwise wait for a result that never comes, is marked cancelled
(a ``cancelled`` reply). The confirmation goes to whoever cancelled: the person who said "cancel
my backup script" hears it on that utterance; an admin's cancel is told to the asker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
import structlog

from cloud.errors import ConflictError, NotFoundError
from cloud.missions import lifecycle as missions
from cloud.missions.plans import CancelMission
from cloud.store import missions as stored_missions
from cloud.store import outbox
from cloud.store.database import ACQUIRE_TIMEOUT_S
from jarvis.logs import traced
from models import Reply, Utterance

log = structlog.get_logger(__name__)

UNFINISHED = ("queued", "assigned", "running")
BY_ADMIN = "cancelled by the admin"
BY_ASKER = "cancelled by its asker"
BY_CONSOLE = "cancelled from the web console"


async def cancel_by_id(pool: asyncpg.Pool, mission_id: str) -> None:
    """The admin's cancel. NotFoundError for an unknown mission; ConflictError for one that
    has ended already (succeeded, failed or cancelled)."""
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
        row = await stored_missions.lock_with_worker(conn, mission_id)
        if row is None:
            raise NotFoundError(f"No mission {mission_id!r}.")
        if row["state"] not in UNFINISHED:
            how = "was cancelled" if row["state"] == "cancelled" else row["state"]
            raise ConflictError(f"The mission has ended already: it {how}.")
        await cancel(conn, row, reason=BY_ADMIN)


async def cancel_for_asker(
    conn: asyncpg.Connection,
    action: CancelMission,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
) -> str | None:
    """The asker's cancel, by voice: its latest unfinished mission, narrowed by the words it
    used (a script's name, a device). What it hears now when there is nothing to cancel;
    otherwise None: the confirmation is queued here, after the mission's own utterance is
    marked cancelled."""
    row = await stored_missions.lock_latest_of(
        conn,
        device_id,
        states=UNFINISHED,
        summary_has=action.name,
        worker_name=action.device_name,
    )
    if row is None:
        what = f" {action.name}" if action.name else ""
        where = f" on the {action.device_name}" if action.device_name else ""
        return f"You have no{what} mission running{where}, so there's nothing to cancel."
    await cancel(conn, row, reason=BY_ASKER)
    # The confirmation answers the person cancelling, after the original was marked cancelled.
    confirmation = Reply(text=stopped(row), utterance_id=utterance.id, kind="reply")
    await outbox.enqueue_reply(conn, device_id, confirmation, trace_id=trace_id)
    return None


def stopped(row: Mapping[str, Any]) -> str:
    where = f" on the {row['worker_name']}" if row["worker_name"] else ""
    return f"I stopped the mission to {row['summary']}{where}."


async def cancel(conn: asyncpg.Connection, row: Mapping[str, Any], *, reason: str) -> None:
    """Cancel the unfinished mission in ``row`` (locked by the caller, with ``worker_name``)."""
    with traced(mission_id=row["id"], trace_id=row["trace_id"]):
        await stored_missions.mark_cancelled(conn, row["id"], reason)
        await missions.event(conn, row, "cancelled", row["assigned_to"], {"reason": reason})
        if row["assigned_to"] is not None:
            await missions.stop_attempt(conn, row["assigned_to"], row, reason)
        if row["requested_by"] is not None:
            # The asker who cancelled hears the confirmation on its "cancel…" (said by the
            # caller): its original request is only marked, silently. Cancelled on the web
            # console (no "cancel…" was said) or by the admin, the original request says so.
            text = {BY_ASKER: "", BY_CONSOLE: stopped(row)}.get(
                reason, f"{stopped(row)[:-1]}, as the admin asked."
            )
            reply = Reply(text=text, utterance_id=row["utterance_id"], kind="cancelled")
            await outbox.enqueue_reply(conn, row["requested_by"], reply, trace_id=row["trace_id"])
        log.info("mission cancelled", reason=reason, worker=row["assigned_to"])

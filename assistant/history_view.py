"""`jarvis history`: the latest utterances from the edge database, as a table or JSON lines."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.database import open_database
from assistant.event_log import EventLog
from assistant.events import Event
from assistant.history import History, UtteranceRecord


async def show_history(data_dir: Path, *, limit: int, as_json: bool) -> None:
    db = await open_database(data_dir)
    try:
        records = await History(db).recent(limit)
        alerts = await EventLog(db).alerts(limit)
    finally:
        await db.close()
    if as_json:
        for record in records:
            print(json.dumps(record.view(), ensure_ascii=False))
        return
    console = Console()
    console.print(_table(records))
    if alerts:
        console.print(_alerts(alerts))


def _alerts(events: list[Event]) -> Table:
    """Timers that rang, reminders and news: said when nobody asked at that moment."""
    table = Table(title=f"Last {len(events)} alerts")
    for column in ("when", "kind", "said"):
        table.add_column(column, overflow="fold")
    for event in events:
        when = datetime.fromtimestamp(event.ts).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(when, event.reply.kind, event.reply.text)
    return table


def _table(records: list[UtteranceRecord]) -> Table:
    table = Table(title=f"Last {len(records)} utterances")
    for column in ("when", "said", "intent", "by", "status", "reply", "interpret", "total"):
        table.add_column(column, overflow="fold")
    for record in records:
        table.add_row(
            datetime.fromtimestamp(record.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            record.text,
            record.intent or "—",
            record.handled_by,
            record.status,
            record.reply or record.error or "",
            f"{record.interpret_ms:.3f} ms",
            "" if record.handle_ms is None else f"{record.handle_ms:.1f} ms",
        )
    return table

"""``jarvis missions`` and ``jarvis trace TRACE_ID``: what the cloud did, read from its database
(embedded under the data dir, or ``DATABASE_URL``), like ``jarvis cloud devices``;
``jarvis missions submit FILE.json``, the body of ``POST /v1/admin/missions`` stored there; and
``jarvis missions cancel ID``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    import asyncpg
    from rich.console import Console

from jarvis.cli.cloud import with_cloud_pool
from jarvis.cli.support import settings_or_exit

MAX_DETAIL_CHARS = 80


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--limit", default=20, show_default=True, help="How many of the latest to show.")
@click.option("--state", help="Only missions in this state (queued, running, failed…).")
@click.pass_context
def missions(ctx: click.Context, as_json: bool, limit: int, state: str | None) -> None:
    """List the latest missions: what, where, and how they ended."""
    if ctx.invoked_subcommand is not None:
        return
    from cloud.missions.views import list_missions

    found = with_cloud_pool(
        settings_or_exit(), lambda pool: list_missions(pool, limit=limit, state=state)
    )
    if as_json:
        for mission in found:
            click.echo(json.dumps(mission))
        return
    if not found:
        click.echo("No missions yet.", err=True)
        return
    from rich.table import Table

    table = Table("id", "created", "kind", "state", "worker", "try", "what", "result")
    for mission in found:
        table.add_row(
            mission["id"][:12],
            (mission["created_at"] or "")[:19],
            mission["kind"],
            mission["state"],
            mission["assigned_to_name"] or mission["device_name"] or "-",
            str(mission["attempt"]),
            mission["summary"],
            _result(mission["result"]),
        )
    _console().print(table)


@missions.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def submit(file: Path) -> None:
    """Start the mission FILE describes: {"kind", "steps": [{"action", "params"}],
    "device_name"?, "requested_by"?, "idempotency_key"?}. Prints the mission as JSON."""
    from cloud.http.missions_api import submit_mission

    try:
        body = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: not JSON ({error})") from None
    view, created = with_cloud_pool(settings_or_exit(), lambda pool: submit_mission(pool, body))
    click.echo(json.dumps(view))
    where = view["assigned_to_name"] or "the queue"
    how = "started" if created else "already known (same idempotency_key)"
    click.echo(f"mission {view['id']} {how}: {view['state']} on {where}", err=True)


@missions.command()
@click.argument("mission_id")
def cancel(mission_id: str) -> None:
    """Stop MISSION_ID: its worker stops the code, its asker hears it was stopped."""
    from cloud.missions.cancel import cancel_by_id
    from cloud.missions.views import mission_detail

    async def work(pool: asyncpg.Pool) -> dict[str, Any] | None:
        await cancel_by_id(pool, mission_id)
        return await mission_detail(pool, mission_id)

    view = with_cloud_pool(settings_or_exit(), work)
    where = f" on the {view['assigned_to_name']}" if view and view["assigned_to_name"] else ""
    click.echo(f"mission {mission_id} cancelled{where}")


def _result(result: dict[str, Any] | None) -> str:
    if result is None:
        return ""
    text = result["output"] if result["ok"] else f"error: {result['error']}"
    return _short(text or "")


def _console() -> Console:
    """The terminal's width on a terminal; wide enough not to wrap ids when piped."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=200)


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_DETAIL_CHARS else flat[: MAX_DETAIL_CHARS - 1] + "…"


@click.command()
@click.argument("trace_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def trace(trace_id: str, as_json: bool) -> None:
    """Show everything the cloud and the edges recorded for TRACE_ID, in time order."""
    from assistant.trace_view import edge_events, merged
    from cloud.missions.views import timeline

    settings = settings_or_exit()
    in_cloud = with_cloud_pool(settings, lambda pool: timeline(pool, trace_id))
    # The edge's own events too: a request it answered itself never reached the cloud.
    found = merged(in_cloud, asyncio.run(edge_events(settings.data_dir, trace_id)))
    if as_json:
        for event in found:
            click.echo(json.dumps(event))
        return
    if not found:
        raise click.ClickException(f"No events for trace {trace_id}.")
    from rich.table import Table

    table = Table("time", "source", "device", "kind", "detail", "+ms", title=f"trace {trace_id}")
    for event in found:
        since = event["since_previous_ms"]
        table.add_row(
            event["ts"][11:23],
            event["source"],
            event["device_name"] or event["device_id"] or "-",
            event["kind"],
            _short(json.dumps(event["detail"], ensure_ascii=False)),
            "" if since is None else f"{since:.1f}",
        )
    _console().print(table)

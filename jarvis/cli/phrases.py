"""``jarvis phrases list|add|remove``: the phrases the user taught, through the running edge.

The edge checks a new phrase against what it understands (a phrase may not shadow a command or
another phrase) and tells the cloud, which keeps the list for every device.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import click

from jarvis.cli.support import call_edge


@click.group()
def phrases() -> None:
    """Phrases you taught Jarvis ("when I say movie time, pause the music")."""


@phrases.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--url", help="The edge's base URL (default: from JARVIS_EDGE_PORT).")
def list_phrases(as_json: bool, url: str | None) -> None:
    """Show every taught phrase and what it does."""
    body = call_edge("GET", "/v1/phrases", url)
    taught = body["phrases"]
    if as_json:
        for phrase in taught:
            click.echo(json.dumps(phrase, ensure_ascii=False))
        return
    if not taught:
        click.echo("No phrases taught yet.", err=True)
    for phrase in taught:
        click.echo(f"{phrase['phrase']} → {phrase['actions']}")


@phrases.command("add")
@click.argument("phrase")
@click.argument("actions")
@click.option("--url", help="The edge's base URL (default: from JARVIS_EDGE_PORT).")
def add_phrase(phrase: str, actions: str, url: str | None) -> None:
    """Teach PHRASE to run ACTIONS: local commands joined by "and" or "then"."""
    click.echo(
        call_edge("POST", "/v1/phrases", url, {"phrase": phrase, "actions": actions})["reply"]
    )


@phrases.command("remove")
@click.argument("phrase")
@click.option("--url", help="The edge's base URL (default: from JARVIS_EDGE_PORT).")
def remove_phrase(phrase: str, url: str | None) -> None:
    """Forget PHRASE."""
    click.echo(call_edge("DELETE", f"/v1/phrases/{quote(phrase, safe='')}", url)["reply"])

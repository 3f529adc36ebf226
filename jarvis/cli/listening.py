"""``jarvis mute`` and ``jarvis unmute``: the running edge's mute switches (the console's), for
an edge with no screen, such as a Raspberry Pi that listens through satellites."""

from __future__ import annotations

from typing import Any

import click

from jarvis.cli.support import call_edge

_SATELLITE = click.argument("satellite", required=False)
_URL = click.option("--url", help="The edge's base URL (default: from JARVIS_EDGE_PORT).")


@click.command()
@_SATELLITE
@_URL
def mute(satellite: str | None, url: str | None) -> None:
    """Close this edge's microphone, or with SATELLITE (its address, as JARVIS_WYOMING_SATELLITES
    names it) hang up on that satellite. Kept across restarts; prints every switch."""
    _switch(True, satellite, url)


@click.command()
@_SATELLITE
@_URL
def unmute(satellite: str | None, url: str | None) -> None:
    """Open this edge's microphone again, or with SATELLITE let it be dialled again."""
    _switch(False, satellite, url)


def _switch(muted: bool, satellite: str | None, url: str | None) -> None:
    view = call_edge("PUT", "/v1/console/listening", url, {"muted": muted, "satellite": satellite})
    for line in switch_lines(view):
        click.echo(line)


def switch_lines(view: dict[str, Any]) -> list[str]:
    """One line per switch, the microphone's first: ``NAME: STATE``."""
    microphone = "on" if view["microphone"] else "none (text only)"
    lines = [f"microphone: {'muted' if view['muted'] else microphone}"]
    for satellite in view.get("satellites", []):
        link = "connected" if satellite["connected"] else "not connected (dialling)"
        lines.append(f"{satellite['uri']}: {'muted' if satellite['muted'] else link}")
    return lines

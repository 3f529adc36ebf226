"""The ``jarvis`` command. Heavy modules are imported inside commands so each starts quickly."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import click

from jarvis.cli.support import run_service, settings_or_exit
from jarvis.settings import Settings


@click.group()
@click.version_option(package_name="jarvis-assistant")
def main() -> None:
    """Jarvis: a voice-first personal assistant with a fast edge and a cloud brain."""


@main.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--jsonl", is_flag=True, help="Read one utterance per stdin line, write JSON lines.")
def interpret(text: str | None, as_json: bool, jsonl: bool) -> None:
    """Show what the edge would do with TEXT, without doing it."""
    from assistant.interpreter import warm
    from jarvis.cli.understanding import interpretation

    warm()  # data some templates consult is loaded before the clock starts

    house = _house_words()

    def result(utterance: str) -> dict[str, Any]:
        return interpretation(utterance, home=house)

    if jsonl:
        if text is not None:
            raise click.UsageError("--jsonl reads utterances from stdin; give no TEXT.")
        for line in sys.stdin:
            click.echo(json.dumps(result(line.rstrip("\r\n"))))
        return
    if text is None:
        raise click.UsageError("Give the TEXT to interpret, or --jsonl to read stdin.")
    outcome = result(text)
    if as_json:
        click.echo(json.dumps(outcome))
        return
    where = "the edge" if outcome["intent"] else "the cloud"
    slots = " ".join(f"{key}={value!r}" for key, value in outcome["slots"].items())
    click.echo(f"{outcome['intent'] or '(not local)'} {slots}".rstrip())
    click.echo(f"handled by {where} · interpreted in {outcome['elapsed_ms']:.3f} ms")


def _house_words() -> frozenset[str] | None:
    """With a Home Assistant configured, the edge takes house commands: so does ``interpret``."""
    from jarvis.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError:
        return None
    if not (settings.ha_url and settings.ha_token):
        return None
    from assistant.skills.home import cached_vocabulary

    return cached_vocabulary(settings.data_dir, settings.ha_url)


@main.group(invoke_without_command=True)
@click.pass_context
def edge(context: click.Context) -> None:
    """Run the edge assistant: the local skills, the HTTP API, the link to the cloud."""
    if context.invoked_subcommand is None:
        _run_edge(settings_or_exit(service=True))


@edge.command("set-token")
@click.argument("token")
def set_token(token: str) -> None:
    """Store the device TOKEN that `jarvis cloud enroll` printed (readable only by you)."""
    from assistant.credentials import save_token

    try:
        path = save_token(settings_or_exit().data_dir, token)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Saved the device token to {path}.")


@main.command()
def up() -> None:
    """Run the cloud brain (embedded PostgreSQL) and an edge connected to it, on this machine."""
    from jarvis.cli.up import print_reply, run_everything
    from jarvis.data_dir import record_parts

    settings = settings_or_exit(service=True)

    def cloud_ready(url: str) -> None:
        click.echo(f"Jarvis cloud listening on {url}", err=True)

    def edge_ready(url: str) -> None:
        record_parts(settings.data_dir)
        click.echo(f"Jarvis edge listening on {url} (Ctrl-C to stop)", err=True)

    run_service(
        settings,
        lambda: run_everything(settings, cloud_ready, edge_ready, _status, on_reply=print_reply),
    )


@main.command()
@click.option(
    "--uri",
    default="tcp://127.0.0.1:10300",
    show_default=True,
    help="Where to serve the Wyoming protocol (tcp://HOST:PORT or unix://PATH).",
)
def wyoming(uri: str) -> None:
    """Run the edge with a Wyoming server: Home Assistant can use Jarvis's speech to text, its
    voice, its wake word and its understanding."""
    from jarvis.settings import SettingsError, with_overrides

    try:
        settings = with_overrides(settings_or_exit(), wyoming_uri=uri)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    _run_edge(settings)


def _status(line: str) -> None:
    click.echo(line, err=True)


def _run_edge(settings: Settings) -> None:
    from assistant.app import run_edge
    from jarvis.data_dir import record_parts

    def ready(url: str) -> None:
        record_parts(settings.data_dir)
        click.echo(f"Jarvis edge listening on {url} (Ctrl-C to stop)", err=True)

    run_service(settings, lambda: run_edge(settings, on_ready=ready, on_status=_status))


@main.command()
@click.argument("text")
@click.option("--url", help="The edge's base URL (default: from JARVIS_EDGE_PORT).")
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    default=None,
    help="Seconds the whole command may take. [default: 60; with --follow, until it fires]",
)
@click.option(
    "--follow", is_flag=True, help="Also wait for the timer or reminder it sets, and print it."
)
def say(text: str, url: str | None, timeout_s: float | None, follow: bool) -> None:
    """Ask the running edge and print its reply (and, with --follow, what it set once due)."""
    from assistant.say_client import SayError, say_and_follow

    settings = settings_or_exit()
    base_url = url or f"http://{settings.edge_host}:{settings.edge_port}"
    if timeout_s is None and not follow:
        timeout_s = 60.0
    try:
        ok = asyncio.run(
            say_and_follow(
                base_url,
                text,
                timeout_s=timeout_s,
                echo=click.echo,
                token=settings.edge_token,
                follow=follow,
                note=lambda line: click.echo(line, err=True),
            )
        )
    except SayError as error:
        raise click.ClickException(str(error)) from None
    sys.exit(0 if ok else 1)


@main.command()
@click.option("--limit", default=20, show_default=True, help="How many of the latest to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def history(limit: int, as_json: bool) -> None:
    """Show the latest utterances, their intents, replies and timings."""
    from assistant.database import DATABASE_FILE
    from assistant.errors import EdgeSetupError
    from assistant.history_view import show_history

    data_dir = settings_or_exit().data_dir
    if not (data_dir / DATABASE_FILE).is_file():
        # Reading must not create: a mistyped JARVIS_DATA_DIR would get an empty store.
        raise click.ClickException(
            f"No history: {data_dir} has no {DATABASE_FILE} (is JARVIS_DATA_DIR right? "
            "Has `jarvis up` run there?)"
        )
    try:
        asyncio.run(show_history(data_dir, limit=limit, as_json=as_json))
    except EdgeSetupError as error:
        raise click.ClickException(str(error)) from None


from jarvis.cli.voice import listen, models  # noqa: E402  (the voice commands live in their own module)

main.add_command(listen)
main.add_command(models)

from jarvis.cli.wake import wake  # noqa: E402  (enrolled wake word voices live in their own module)

main.add_command(wake)

from jarvis.cli.cloud import cloud  # noqa: E402  (the cloud commands live in their own module)

main.add_command(cloud)

from jarvis.cli.missions import missions, trace  # noqa: E402  (mission views live in their own module)

main.add_command(missions)
main.add_command(trace)

from jarvis.cli.phrases import phrases  # noqa: E402  (taught phrases live in their own module)

main.add_command(phrases)

from jarvis.cli.listening import mute, unmute  # noqa: E402  (the mute switches live in their own module)

main.add_command(mute)
main.add_command(unmute)

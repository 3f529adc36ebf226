"""``jarvis cloud``: run the cloud brain, and enroll, list and revoke devices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from jarvis.cli.support import run_service, settings_or_exit

if TYPE_CHECKING:
    import asyncpg

    from jarvis.settings import Settings

T = TypeVar("T")


def with_cloud_pool(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run ``work`` with a pool on the cloud's database (embedded or DATABASE_URL), migrated."""
    from cloud.errors import CloudError
    from cloud.store import database

    async def run() -> T:
        async with database.database_dsn(settings.database_url, settings.data_dir) as dsn:
            pool = await database.create_pool(dsn, max_size=2)
            try:
                await database.migrate(pool)
                return await work(pool)
            finally:
                await database.close_pool(pool)

    try:
        return asyncio.run(run())
    except CloudError as error:
        raise click.ClickException(error.message) from None


@click.group(invoke_without_command=True)
@click.option(
    "--host",
    default=None,
    help="Address to bind; 0.0.0.0 to accept edges from other machines. "
    "[default: JARVIS_CLOUD_HOST, else 127.0.0.1]",
)
@click.pass_context
def cloud(ctx: click.Context, host: str | None) -> None:
    """Run the cloud brain (PostgreSQL: DATABASE_URL, or embedded under the data dir)."""
    if ctx.invoked_subcommand is not None:
        return
    from cloud.app import run_cloud

    settings = settings_or_exit(service=True)

    def ready(url: str) -> None:
        click.echo(f"Jarvis cloud listening on {url} (Ctrl-C to stop)", err=True)

    # Not the data dir's lock: cloud instances are stateless, several may share one database.
    run_service(
        settings,
        lambda: run_cloud(settings, on_ready=ready, host=host),
        fast_loop=True,
        own_data_dir=False,
    )


@cloud.command()
@click.argument("name")
@click.option("--replace", is_flag=True, help="Give an already enrolled NAME a new token.")
def enroll(name: str, replace: bool) -> None:
    """Enroll a device called NAME and print its token (shown only this once)."""
    from cloud.store.devices import enroll_device

    device_id, token = with_cloud_pool(
        settings_or_exit(), lambda pool: enroll_device(pool, name, replace=replace)
    )
    click.echo(f"device id: {device_id}")
    click.echo(f"token:     {token}")
    click.echo("Keep the token now: the cloud stores only its hash.", err=True)


@cloud.command()
@click.argument("device")
def revoke(device: str) -> None:
    """Revoke the token of DEVICE (its id or its name)."""
    from cloud.store.devices import revoke_token

    device_id = with_cloud_pool(settings_or_exit(), lambda pool: revoke_token(pool, device))
    click.echo(f"revoked the token of {device_id}")


@cloud.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def devices(as_json: bool) -> None:
    """List the enrolled devices."""
    from cloud.store.devices import list_devices

    found = with_cloud_pool(settings_or_exit(), list_devices)
    for device in found:
        if as_json:
            click.echo(json.dumps(device.to_json()))
            continue
        state = "revoked" if device.revoked else "online" if device.online else "offline"
        click.echo(f"{device.id}  {device.name:<24} {state}")
    if not found and not as_json:
        click.echo("No devices enrolled yet: jarvis cloud enroll NAME", err=True)


@cloud.group()
def script() -> None:
    """The scripts people can run by voice ("run my backup script")."""


@script.command("add")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--package", "packages", multiple=True, help="A package it needs (repeat for more).")
def add_script(name: str, file: str, packages: tuple[str, ...]) -> None:
    """Register (or replace) the script NAME with the Python code in FILE."""
    from pathlib import Path

    from cloud.missions.scripts import put_script

    try:
        code = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"cannot read {file}: {error}") from None
    stored, created = with_cloud_pool(
        settings_or_exit(), lambda pool: put_script(pool, name, code, list(packages))
    )
    verb = "added" if created else "replaced"
    extra = f" (packages: {', '.join(stored.packages)})" if stored.packages else ""
    click.echo(f"{verb} the script {stored.name!r}{extra}; say “run my {stored.name} script”.")


@script.command("list")
def list_scripts_command() -> None:
    """List the registered scripts."""
    from cloud.missions.scripts import list_scripts

    for found in with_cloud_pool(settings_or_exit(), list_scripts):
        packages = ", ".join(found.packages) or "-"
        click.echo(f"{found.name:<24} {len(found.code.encode()):>7} bytes  packages: {packages}")


from jarvis.cli.cloud_plan import plan  # noqa: E402  (its own module: the planning view)

cloud.add_command(plan)

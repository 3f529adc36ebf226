"""``jarvis cloud``: run the cloud brain, and enroll, list and revoke devices."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

if TYPE_CHECKING:
    import asyncpg

    from jarvis.settings import Settings

T = TypeVar("T")


def _settings() -> Settings:
    from jarvis.cli import _settings as load

    return load()


def _with_pool(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run ``work`` with a pool on the cloud's database (embedded or DATABASE_URL), migrated."""
    from cloud import database
    from cloud.errors import CloudError

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
    default="127.0.0.1",
    show_default=True,
    envvar="JARVIS_CLOUD_HOST",
    help="Address to bind; 0.0.0.0 to accept edges from other machines.",
)
@click.pass_context
def cloud(ctx: click.Context, host: str) -> None:
    """Run the cloud brain (PostgreSQL: DATABASE_URL, or embedded under the data dir)."""
    if ctx.invoked_subcommand is not None:
        return
    from cloud.app import run_cloud
    from cloud.errors import CloudError
    from jarvis.cli import _run_until_stopped

    settings = _settings()

    def ready(url: str) -> None:
        click.echo(f"Jarvis cloud listening on {url} (Ctrl-C to stop)", err=True)

    try:
        _run_until_stopped(run_cloud(settings, on_ready=ready, host=host))
    except CloudError as error:
        raise click.ClickException(error.message) from None


@cloud.command()
@click.argument("name")
@click.option("--replace", is_flag=True, help="Give an already enrolled NAME a new token.")
def enroll(name: str, replace: bool) -> None:
    """Enroll a device called NAME and print its token (shown only this once)."""
    from cloud.devices import enroll_device

    device_id, token = _with_pool(
        _settings(), lambda pool: enroll_device(pool, name, replace=replace)
    )
    click.echo(f"device id: {device_id}")
    click.echo(f"token:     {token}")
    click.echo("Keep the token now: the cloud stores only its hash.", err=True)


@cloud.command()
@click.argument("device")
def revoke(device: str) -> None:
    """Revoke the token of DEVICE (its id or its name)."""
    from cloud.devices import revoke_token

    device_id = _with_pool(_settings(), lambda pool: revoke_token(pool, device))
    click.echo(f"revoked the token of {device_id}")


@cloud.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def devices(as_json: bool) -> None:
    """List the enrolled devices."""
    from cloud.devices import list_devices

    found = _with_pool(_settings(), list_devices)
    for device in found:
        if as_json:
            click.echo(json.dumps(device.to_json()))
            continue
        state = "revoked" if device.revoked else "online" if device.online else "offline"
        click.echo(f"{device.id}  {device.name:<24} {state}")
    if not found and not as_json:
        click.echo("No devices enrolled yet: jarvis cloud enroll NAME", err=True)

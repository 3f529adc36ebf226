"""``jarvis cloud plan TEXT``: what the cloud would do with a forwarded request, no side effects.

The cloud's decision (``cloud.capabilities.plan_view``) with the slots an edge of this version would
fill for
an intent sent back to it (``assistant.interpreter.extractors``), so the output shows the whole
outcome. The database is only read.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from jarvis.cli.support import settings_or_exit

if TYPE_CHECKING:
    import asyncpg

    from jarvis.settings import Settings


@click.command("plan")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print the contract's JSON object.")
@click.option(
    "--device",
    help="The enrolled device asking (name or id): only intents it runs are sent back. "
    "[default: what an edge of this version runs]",
)
def plan(text: str, as_json: bool, device: str | None) -> None:
    """Show what the cloud would do with TEXT forwarded by an edge (nothing is done)."""
    from jarvis.cli.cloud import with_cloud_pool

    settings = settings_or_exit()
    try:
        result = with_cloud_pool(settings, lambda pool: _plan(pool, settings, text, device))
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    words = [result["action"]]
    if result["intent"]:
        words.append(result["intent"])
    if result["slots"]:
        words.append(", ".join(f"{key}={value!r}" for key, value in result["slots"].items()))
    click.echo("  ".join(words))
    if result["reply"]:
        click.echo(result["reply"])


async def _plan(
    pool: asyncpg.Pool, settings: Settings, text: str, device: str | None
) -> dict[str, Any]:
    from assistant.app import local_timezone
    from assistant.interpreter.extractors import fill, question
    from assistant.skills import Skills
    from cloud.capabilities.plan_view import plan_text
    from cloud.capabilities.planners import RulePlanner
    from cloud.planning.second_chance import SecondChance

    chance = SecondChance() if settings.learned_tier else None
    try:
        result = await plan_text(
            pool,
            text,
            planner=RulePlanner(privacy_distance_km=settings.privacy_distance_km),
            now=datetime.now(local_timezone(settings)),
            second_chance=chance,
            handled=Skills.HANDLED,
            device=device,
        )
    finally:
        if chance is not None:
            await chance.close()
    if result["action"] == "device_intent":
        # What the asking edge does with it: its own extractors, a question for a missing slot.
        filled = fill(result["intent"], text)
        if filled is not None:
            result["slots"] = dict(filled.intent.slots)
            if filled.missing is not None:
                result["reply"] = question(filled)
    return result

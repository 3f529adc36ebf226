"""House commands without a reachable Home Assistant: nothing regresses, nothing crashes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from assistant.skills.home import HomeSkill, config_from
from assistant.testing import conversation_for_tests


def _dead_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def test_without_home_assistant_house_commands_still_go_to_the_cloud(
    tmp_path: Path,
) -> None:
    """No Home Assistant configured: "turn off the kitchen light" is forwarded, as before."""
    async with conversation_for_tests(tmp_path) as (conversation, _):
        record = await conversation.submit("turn off the kitchen light")
    assert (record.intent, record.handled_by) == (None, "cloud")


async def test_an_unreachable_home_assistant_is_said_plainly(tmp_path: Path) -> None:
    """Home Assistant down and nothing cached: an honest sentence, not an error or a guess."""
    home = HomeSkill(tmp_path / "entities.json", default=config_from(_dead_url(), "token"))
    async with conversation_for_tests(tmp_path, home=home) as (conversation, _):
        record = await conversation.submit("turn off the kitchen light")
        status = conversation.status()["home_assistant"]
    assert record.status == "done"
    assert record.reply == "Home Assistant isn't answering right now; try again in a moment."
    assert status["configured"] is True
    assert "not reachable" in status["problem"]


async def test_the_cached_house_is_used_when_home_assistant_is_down(tmp_path: Path) -> None:
    """An edge started while Home Assistant is down still knows the house from its cache."""
    url = _dead_url()
    entity = {"name": "Porch light", "state": "on", "area": None, "aliases": []}
    cache = tmp_path / "entities.json"
    cache.write_text(
        json.dumps(
            {
                "url": url,
                "entities": [{"entity_id": "light.porch", "device_class": None, **entity}],
            }
        )
    )
    home = HomeSkill(cache, default=config_from(url, "token"))
    async with conversation_for_tests(tmp_path, home=home) as (conversation, _):
        record = await conversation.submit("is the porch light on")
    assert (
        record.reply == "Home Assistant isn't answering; the last I knew, the porch light was on."
    )


async def test_the_clouds_device_settings_choose_the_home_assistant(tmp_path: Path) -> None:
    """ha_url and ha_token pushed by the cloud configure the house; without them the edge's
    own settings (here none) apply again."""
    async with conversation_for_tests(tmp_path) as (conversation, _):
        await conversation.on_config({"ha_url": _dead_url(), "ha_token": "from-the-cloud"})
        assert conversation.status()["home_assistant"]["configured"] is True
        await conversation.on_config({"timezone": "UTC"})
        assert conversation.status()["home_assistant"]["configured"] is False


def test_interpret_takes_house_commands_when_a_home_assistant_is_set(tmp_path: Path) -> None:
    """`jarvis interpret` says what the edge would do: with JARVIS_HA_URL and a token the
    house command is local, without them it is the cloud's."""
    jarvis = str(Path(sys.executable).parent / "jarvis")
    environ = {"JARVIS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    house = {"JARVIS_HA_URL": "http://127.0.0.1:8123", "JARVIS_HA_TOKEN": "t"}
    text = "turn off the kitchen light"
    with_house = subprocess.run(
        [jarvis, "interpret", text, "--json"], env={**environ, **house}, capture_output=True
    )
    without = subprocess.run(
        [jarvis, "interpret", text, "--json"], env=environ, capture_output=True
    )
    assert json.loads(with_house.stdout)["intent"] == "home.turn_off"
    assert json.loads(without.stdout)["intent"] is None

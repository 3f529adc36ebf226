"""`jarvis interpret` exactly as DESIGN.md's contract says."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from edges import JARVIS, edge_environment

CONTRACT_FIELDS = {"intent", "slots", "handled_by", "elapsed_ms", "tier", "confidence"}


def _interpret(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARVIS, "interpret", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_interpret_json_prints_one_contract_object() -> None:
    """`jarvis interpret TEXT --json` prints the contract object, tier and confidence included."""
    result = json.loads(_interpret("set a timer for 5 minutes", "--json").stdout)
    assert set(result) == CONTRACT_FIELDS
    assert result["intent"] == "timer.start"
    assert result["slots"] == {"duration_s": 300}
    assert result["handled_by"] == "edge"
    assert isinstance(result["elapsed_ms"], float)
    assert (result["tier"], result["confidence"]) == ("template", 1.0)


def test_interpret_json_for_the_cloud_has_a_null_intent() -> None:
    """Text the edge would forward has intent null, empty slots, handled_by "cloud"."""
    result = json.loads(_interpret("write an email to my boss", "--json").stdout)
    assert result["intent"] is None
    assert result["slots"] == {}
    assert result["handled_by"] == "cloud"


def test_interpret_jsonl_answers_each_stdin_line() -> None:
    """`--jsonl` writes one contract object per input line, in order."""
    lines = ["what time is it", "search the web for timer apps", "mute"]
    output = _interpret("--jsonl", stdin="\n".join(lines) + "\n").stdout.splitlines()
    results = [json.loads(line) for line in output]
    assert [r["intent"] for r in results] == ["time.now", None, "volume.mute"]
    assert all(set(r) == CONTRACT_FIELDS for r in results)


def test_interpret_says_which_tier_understood_and_how_sure() -> None:
    """A phrasing only the learned tier knows reports tier "model" and a confidence in (0, 1]."""
    result = json.loads(_interpret("raise the volume to fifty", "--json").stdout)
    assert set(result) == CONTRACT_FIELDS
    assert (result["intent"], result["slots"]) == ("volume.set", {"level": 50})
    assert result["tier"] == "model"
    assert 0.0 < result["confidence"] <= 1.0


PLAN_FIELDS = {"action", "intent", "slots", "reply", "elapsed_ms"}


@pytest.mark.slow
def test_cloud_plan_json_says_what_the_cloud_would_do(tmp_path: Path) -> None:
    """`jarvis cloud plan TEXT --json` on the embedded database: a local intent the cloud finds
    is device_intent with the edge's slots, the cloud's own rules keep their actions, the rest
    is unknown; a reminder planned is not stored."""
    environ = {**edge_environment(tmp_path / "data"), "JARVIS_LEARNED_TIER": "true"}

    def plan(text: str) -> dict[str, Any]:
        result = subprocess.run(
            [JARVIS, "cloud", "plan", text, "--json"],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found: dict[str, Any] = json.loads(result.stdout)
        assert set(found) == PLAN_FIELDS
        assert isinstance(found["elapsed_ms"], float)
        return found

    listed = plan("what items are on my shopping list")
    assert (listed["action"], listed["intent"]) == ("device_intent", "list.show")
    assert (listed["slots"], listed["reply"]) == ({"list": "shopping"}, None)
    unknown = plan("book me a flight to paris")
    assert (unknown["action"], unknown["intent"], unknown["slots"]) == ("unknown", None, {})
    assert (
        unknown["reply"]
        == "I can't plan trips or routes. I can remind you when it is time to leave."
    )
    reminder = plan("remind me in 10 minutes to stretch")
    assert (reminder["action"], reminder["slots"]["text"]) == ("set_reminder", "stretch")
    weather = plan("what's the weather in paris tomorrow")
    assert (weather["action"], weather["intent"]) == ("weather", "weather.forecast")
    assert weather["slots"] == {"place": "paris", "when": "tomorrow"}
    assert _count(tmp_path / "data" / "postgres", "reminders") == 0
    assert _count(tmp_path / "data" / "postgres", "outbox") == 0


def _count(pgdata: Path, table: str) -> int:
    """Rows in ``table`` of the embedded database the CLI used (started again to look)."""
    from pgserver.postgres_server import get_server

    server = get_server(pgdata)
    try:
        return int(server.psql(f"SELECT count(*) FROM {table};").split()[2])
    finally:
        server.cleanup()

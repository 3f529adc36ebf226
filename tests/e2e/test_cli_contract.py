"""`jarvis interpret` exactly as DESIGN.md's contract says."""

from __future__ import annotations

import json
import subprocess

from edges import JARVIS

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

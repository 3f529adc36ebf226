"""`jarvis trace` shows the edge's part of a request, answered on the edge alone (processes)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from edges import JARVIS, edge_environment, start_edge
from processes import post

pytestmark = pytest.mark.slow


def test_the_trace_of_an_edge_only_request_shows_its_events(data_dir: Path) -> None:
    """A local command never reaches the cloud; its trace still shows what the edge heard,
    answered and published, in time order."""
    edge = start_edge(data_dir)
    try:
        _, answered = post(edge.url, "what is 6 times 7")
    finally:
        edge.stop()
    result = subprocess.run(
        [JARVIS, "trace", answered["trace_id"], "--json"],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [(event["source"], event["kind"]) for event in events] == [
        ("edge", "heard.edge"),
        ("edge", "answered"),
        ("edge", "published.reply"),
    ]
    assert events[0]["detail"]["text"] == "what is 6 times 7"
    assert "42" in events[1]["detail"]["reply"]
    assert events[0]["since_previous_ms"] is None
    assert all(event["since_previous_ms"] >= 0 for event in events[1:])

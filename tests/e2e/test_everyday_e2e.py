"""The everyday skills through a real edge process: `jarvis say` per domain, and an alarm that
rings on the event stream and lands in `jarvis history` — no cloud anywhere."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from edges import JARVIS, EdgeProcess, edge_environment, start_edge
from processes import post

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SAID_AND_DONE = [
    ("set an alarm for 7 am tomorrow", "Alarm set for 7:00 AM tomorrow."),
    ("what time is it in Tokyo", "In Tokyo it's "),
    ("how many days until christmas", "Christmas Day is "),
    ("convert 5 miles to kilometers", "5 miles is 8.05 kilometers."),
    ("how many cups in a liter", "1 liter is 4.23 cups."),
    ("flip a coin", "It's "),
    ("roll two dice", "You rolled "),
    ("how do you spell necessary", "Necessary is spelled N, E, C, E, S, S, A, R, Y."),
    ("thank you", "You're welcome."),
    ("who made you", "I'm Jarvis"),
    ("what's 15 percent of 80", "15 percent of 80 is 12."),
    ("tip of 18% on 45 dollars", "An 18 percent tip on 45 is 8.10; 53.10 in all."),
]


@pytest.fixture(scope="module")
def everyday_edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EdgeProcess, Path]]:
    data_dir = tmp_path_factory.mktemp("everyday") / "data"
    data_dir.mkdir()
    running = start_edge(data_dir, extra_env={"JARVIS_ALARM_RING_S": "2"})
    yield running, data_dir
    assert running.stop() == 0


def _say(edge: EdgeProcess, data_dir: Path, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARVIS, "say", text, "--url", edge.url],
        env=edge_environment(data_dir), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_say_answers_every_everyday_domain_on_the_edge(
    everyday_edge: tuple[EdgeProcess, Path],
) -> None:
    """Each request is answered by the edge itself (no cloud is configured) with the result."""
    edge, data_dir = everyday_edge
    for text, done in SAID_AND_DONE:
        result = _say(edge, data_dir, text)
        assert result.returncode == 0, (text, result.stdout, result.stderr)
        assert done in result.stdout, (text, result.stdout)


def _first_alarm_event(url: str, timeout_s: float) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/events", timeout=timeout_s) as stream:
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "reply":
                reply: dict[str, Any] = json.loads(line.removeprefix("data:"))
                if reply["kind"] == "alarm":
                    return reply
    raise AssertionError("the event stream ended")


def test_an_alarm_rings_on_the_event_stream_and_shows_in_history(
    everyday_edge: tuple[EdgeProcess, Path],
) -> None:
    """An alarm for the next minute rings with its label for the utterance that set it, and the
    ring is listed by `jarvis history`."""
    edge, data_dir = everyday_edge
    due = (datetime.now(UTC) + timedelta(seconds=65)).replace(second=0, microsecond=0)
    _, set_reply = post(edge.url, f"set an alarm called stretch for {due:%H:%M}")
    assert set_reply["intent"] == "alarm.set"
    assert set_reply["slots"] == {"time": f"{due:%H:%M}", "label": "stretch"}
    event = _first_alarm_event(edge.url, timeout_s=120)
    assert time.time() >= due.timestamp() - 0.05
    assert event["text"] == f"Stretch alarm. It's {due:%-I:%M %p}."
    assert event["utterance_id"] == set_reply["id"]
    history = subprocess.run(
        [JARVIS, "history", "--json"], env=edge_environment(data_dir), capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    rows = [json.loads(line) for line in history.stdout.splitlines()]
    assert any(row["text"] == f"(alarm {due:%H:%M} stretch)" for row in rows), rows

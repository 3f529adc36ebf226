"""`jarvis say` returns once answered: waiting for a timer or reminder is asked for (--follow)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from edges import JARVIS, EdgeProcess, edge_environment
from ups import start_up

pytestmark = pytest.mark.slow

BOUND_S = 40.0
"""Far above what answering takes, far below when anything said here is due."""


def _say(url: str, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARVIS, "say", *args, "--url", url],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=BOUND_S,
        check=False,
    )


def test_a_reminder_for_tomorrow_does_not_hold_say(data_dir: Path) -> None:
    """`jarvis say --timeout 5` about tomorrow prints the cloud's answer, says --follow, exits."""
    up = start_up(data_dir)
    try:
        result = _say(
            up.url, data_dir, "--timeout", "5", "remind me tomorrow at 9 to take out the trash"
        )
    finally:
        assert up.stop() == 0
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("Okay, I'll remind you to take out the trash")
    assert "--follow" in result.stderr


def test_a_long_timer_does_not_hold_say(edge: EdgeProcess, data_dir: Path) -> None:
    """A ten-minute timer: `jarvis say` prints that it is set and returns at once."""
    result = _say(edge.url, data_dir, "set a timer for 10 minutes")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Timer set for 10 minutes."]
    assert "--follow" in result.stderr

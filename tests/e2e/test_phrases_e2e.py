"""Taught phrases across real processes: taught on one edge, run on another, offline too."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from edges import JARVIS, EdgeProcess, edge_environment, start_edge
from processes import enroll, free_port, post, start_cloud, wait_for

pytestmark = pytest.mark.slow


def _phrases(edge: EdgeProcess) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{edge.url}/v1/phrases", timeout=10) as response:
        body: dict[str, Any] = json.load(response)
    return list(body["phrases"])


def _jarvis(edge: EdgeProcess, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JARVIS, "phrases", *args, "--url", edge.url],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_phrase_taught_on_the_laptop_runs_on_the_pi_while_the_cloud_is_down(
    tmp_path: Path,
) -> None:
    """`jarvis phrases add` on the laptop; the pi receives the list from the cloud, and still
    runs the phrase after the cloud stops; `jarvis phrases remove` then forgets it everywhere."""
    cloud_dir = tmp_path / "cloud" / "data"
    laptop_dir, pi_dir = tmp_path / "laptop" / "data", tmp_path / "pi" / "data"
    for directory in (cloud_dir, laptop_dir, pi_dir):
        directory.mkdir(parents=True)
    port = free_port()
    cloud = start_cloud(cloud_dir, port)
    edges: list[EdgeProcess] = []
    try:
        enroll(cloud_dir, laptop_dir, "laptop")
        enroll(cloud_dir, pi_dir, "kitchen pi")
        cloud_url = f"http://127.0.0.1:{port}"
        laptop = start_edge(laptop_dir, cloud_url=cloud_url, device_name="laptop")
        edges.append(laptop)
        pi = start_edge(pi_dir, cloud_url=cloud_url, device_name="kitchen pi")
        edges.append(pi)
        added = _jarvis(laptop, laptop_dir, "add", "bedtime", "stop")
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == "Okay. When you say “bedtime”, I'll stop."
        refused = _jarvis(laptop, laptop_dir, "add", "stop", "mute")
        assert refused.returncode != 0
        assert "already means something" in refused.stderr
        wait_for(lambda: [p["phrase"] for p in _phrases(pi)] == ["bedtime"], 60, "the push")
        listed = _jarvis(pi, pi_dir, "list")
        assert listed.stdout.strip() == "bedtime → stop"

        assert cloud.stop() == 0
        status, body = post(pi.url, "Bedtime.")
        assert (status, body["intent"], body["handled_by"]) == (200, "phrase.run", "edge")

        cloud = start_cloud(cloud_dir, port, log_name="cloud-again.log")
        removed = _jarvis(laptop, laptop_dir, "remove", "bedtime")
        assert removed.returncode == 0, removed.stderr
        wait_for(lambda: _phrases(pi) == [], 60, "the pi to forget the phrase")
    finally:
        for edge in edges:
            edge.stop()
        cloud.stop()

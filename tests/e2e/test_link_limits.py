"""The oversized request of issue 15, against a cloud and an edge as real processes: refused
where it comes in, and the link keeps carrying everything else."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from edges import start_edge
from processes import EventRecorder, enroll, free_port, post, start_cloud, wait_for

from assistant.credentials import read_token
from models import Utterance, new_id

pytestmark = pytest.mark.slow


def _connected(url: str) -> bool:
    with urllib.request.urlopen(f"{url}/v1/status", timeout=10) as response:
        return bool(json.load(response)["cloud"]["connected"])


def test_a_huge_request_is_refused_and_the_link_is_not_jammed(tmp_path: Path) -> None:
    """POST /v1/requests with 300,000 characters is 400 `invalid_utterance`; a reminder set
    afterwards on the edge arrives, and the edge never re-dialled."""
    cloud_dir, edge_dir = tmp_path / "cloud" / "data", tmp_path / "edge" / "data"
    cloud_dir.mkdir(parents=True)
    edge_dir.mkdir(parents=True)
    cloud = start_cloud(cloud_dir, free_port())
    device_id = enroll(cloud_dir, edge_dir, "laptop")
    edge = start_edge(edge_dir, cloud_url=cloud.url, device_name="laptop")
    events = EventRecorder(edge.url)
    try:
        wait_for(lambda: _connected(edge.url), 60, "the link")
        text = "remind me in 5 seconds to " + "q" * 300_000
        utterance = Utterance(id=new_id(), text=text, trace_id=new_id(), device_id=device_id)
        request = urllib.request.Request(
            f"{cloud.url}/v1/requests",
            data=json.dumps({"utterance": utterance.to_wire()}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {read_token(edge_dir)}",
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        assert json.load(refused.value)["error"]["code"] == "invalid_utterance"

        _, asked = post(edge.url, "remind me in 2 seconds to stretch")
        wait_for(lambda: events.for_utterance(asked["id"], "reminder"), 60, "the reminder")
        assert _connected(edge.url)
    finally:
        events.close()
        edge.stop()
        cloud.stop()
    assert edge.log().count("edge_link.connected") == 1

"""Without the PortAudio library the edge says so once, naming the package, and runs text-only.

The library cannot be uninstalled for one test, so the edge process gets a ``sitecustomize``
that makes ``ctypes.util.find_library("portaudio")`` find nothing, as on a machine without
libportaudio2: sounddevice's own import then fails with ``OSError: PortAudio library not
found``, exactly as it did for the people who hit it.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from edges import start_edge

pytestmark = pytest.mark.slow

NO_PORTAUDIO = """
import ctypes.util

_find_library = ctypes.util.find_library


def _without_portaudio(name):
    return None if "portaudio" in name else _find_library(name)


ctypes.util.find_library = _without_portaudio
"""


def test_no_portaudio_means_text_only_with_one_line(data_dir: Path, tmp_path: Path) -> None:
    """Voice on, PortAudio absent: one line names libportaudio2, and typed requests work."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(NO_PORTAUDIO)

    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    edge = start_edge(data_dir, voice=True, extra_env={"PYTHONPATH": path})
    try:
        request = urllib.request.Request(
            f"{edge.url}/v1/utterances",
            data=json.dumps({"text": "what is 2 plus 2"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            reply = json.load(response)["reply"]
    finally:
        assert edge.stop() == 0
    assert "4" in reply
    said = [line for line in edge.log().splitlines() if "PortAudio" in line]
    assert len(said) == 1, edge.log()
    assert said[0].startswith("text-only:")
    assert "libportaudio2" in said[0]

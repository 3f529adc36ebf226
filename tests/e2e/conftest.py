"""Fixtures for tests that run the edge as a real process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from edges import EdgeProcess, start_edge


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def edge(data_dir: Path) -> Iterator[EdgeProcess]:
    running = start_edge(data_dir)
    yield running
    running.stop()

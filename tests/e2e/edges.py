"""Edges as real processes: `jarvis edge` started, waited for, and stopped with a signal."""

from __future__ import annotations

import os
import re
from pathlib import Path

from jarvis_process import JARVIS, JarvisProcess, start_jarvis

__all__ = ["JARVIS", "READY", "EdgeProcess", "edge_environment", "start_edge"]

READY = re.compile(r"Jarvis edge listening on (https?://\S+)")
START_TIMEOUT_S = 60.0
EdgeProcess = JarvisProcess


def edge_environment(data_dir: Path) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("JARVIS_")}
    environ.update(
        JARVIS_DATA_DIR=str(data_dir),
        JARVIS_EDGE_PORT="0",
        JARVIS_LOG_FORMAT="json",
        JARVIS_TIMEZONE="UTC",
        # Text only unless a test asks for voice: a developer's microphone stays out of it.
        JARVIS_VOICE="off",
        # No display or sound server here: keep any the developer has out of the way.
        DISPLAY="",
        WAYLAND_DISPLAY="",
    )
    return environ


def start_edge(
    data_dir: Path,
    log_name: str = "edge.log",
    *,
    cloud_url: str | None = None,
    device_name: str | None = None,
    voice: bool = False,
    speak_to: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> EdgeProcess:
    log_path = data_dir.parent / log_name
    environ = edge_environment(data_dir)
    environ.update(extra_env or {})
    if cloud_url:
        environ["JARVIS_CLOUD_URL"] = cloud_url
    if device_name:
        environ["JARVIS_DEVICE_NAME"] = device_name
    if voice:
        environ["JARVIS_VOICE"] = "auto"
    if speak_to:
        environ["JARVIS_SPEAK_TO"] = str(speak_to)
    return start_jarvis(
        ["edge"], environ, log_path, ready=READY, timeout_s=START_TIMEOUT_S, what="the edge"
    )

"""Who is talking: this device and this run of the edge."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is talking: this device and this run of the edge."""

    device_id: str
    session_id: str
    device_name: str = "device"

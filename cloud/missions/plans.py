"""What a mission is before it exists: its steps and requirements (``StartMission``), and a
request to cancel one (``CancelMission``).

How words become these is the missions capability's rule (``cloud.capabilities.missions``); the
mission domain here stores, routes and cancels them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from models.missions import MissionKind

Scalar = str | int | float | bool | None

DEFAULT_PRIVACY_DISTANCE_KM = 50.0
PRIVACY_CAPABILITY = {
    "record_audio": "microphone",
    "read_file": "files",
    "capture_screen": "screen",
    "take_photo": "camera",
}


@dataclass(frozen=True, slots=True)
class StepPlan:
    """One step of a mission to be: its action and parameters (indexes come at creation)."""

    action: str
    params: Mapping[str, Scalar] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True, slots=True)
class StartMission:
    """Hand work to the best capable worker (or to the named device)."""

    kind: MissionKind
    steps: tuple[StepPlan, ...]
    capabilities: frozenset[str]
    summary: str
    """What it does, as a phrase that follows "I couldn't …" ("read the title of …")."""
    device_name: str | None = None
    """As the user said it; resolved against enrolled devices when carried out."""
    confirm_beyond_km: float = DEFAULT_PRIVACY_DISTANCE_KM
    """Privacy actions on a device farther than this from the asker need a spoken yes."""

    @property
    def is_privacy_action(self) -> bool:
        return self.kind is MissionKind.DEVICE_ACTION

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "steps": [{"action": step.action, "params": dict(step.params)} for step in self.steps],
            "capabilities": sorted(self.capabilities),
            "summary": self.summary,
            "device_name": self.device_name,
            "confirm_beyond_km": self.confirm_beyond_km,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StartMission:
        return cls(
            kind=MissionKind(data["kind"]),
            steps=tuple(StepPlan(step["action"], step["params"]) for step in data["steps"]),
            capabilities=frozenset(data["capabilities"]),
            summary=data["summary"],
            device_name=data["device_name"],
            confirm_beyond_km=float(data["confirm_beyond_km"]),
        )


@dataclass(frozen=True, slots=True)
class CancelMission:
    """Stop the asker's latest unfinished mission ("cancel my backup script")."""

    name: str | None = None
    """Words its summary holds ("backup"), when said."""
    device_name: str | None = None
    """The device running it, when said."""

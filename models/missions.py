"""Work the cloud hands to an edge worker, and what comes back."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, ClassVar

import msgspec

from models._wire import Scalar
from models.codec import WireValue

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
"""Text that must say something on the wire (an id, a step's action)."""


class MissionKind(enum.StrEnum):
    PYTHON = "python"
    BROWSER = "browser"
    DEVICE_ACTION = "device_action"


class MissionState(enum.StrEnum):
    QUEUED = "queued"
    ASSIGNED = "assigned"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


STEP_ACTIONS: Mapping[MissionKind, frozenset[str]] = MappingProxyType(
    {
        MissionKind.PYTHON: frozenset({"create_venv", "install_deps", "run_code"}),
        MissionKind.BROWSER: frozenset(
            {"goto", "click", "fill", "wait_for", "read_text", "read_title", "screenshot"}
        ),
        MissionKind.DEVICE_ACTION: frozenset(
            {"record_audio", "read_file", "capture_screen", "take_photo"}
        ),
    }
)
"""The steps a worker knows for each kind of mission: the cloud plans only these."""


@dataclass(frozen=True, slots=True)
class Step(WireValue):
    """One idempotent step of a mission (``goto``, ``click``, ``install``…)."""

    WIRE_NAME: ClassVar[str] = "step"

    index: int
    action: NonEmpty
    params: Mapping[str, Scalar] = field(default_factory=dict)
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True, slots=True)
class Mission(WireValue):
    """Ordered steps for one worker, with the requirements that choose the worker."""

    WIRE_NAME: ClassVar[str] = "mission"

    id: NonEmpty
    kind: MissionKind
    steps: tuple[Step, ...]
    idempotency_key: str
    trace_id: str
    requested_by: str | None = None
    """Device id that asked; the result is spoken there."""
    capabilities: frozenset[str] = field(default_factory=frozenset)
    device_name: str | None = None
    """An explicit target device, when the request named one."""


@dataclass(frozen=True, slots=True)
class Checkpoint(WireValue):
    """Proof that a step finished, stored by the cloud before it acks."""

    WIRE_NAME: ClassVar[str] = "checkpoint"

    mission_id: NonEmpty
    step_index: int
    name: NonEmpty
    """What was reached (``venv_created``, ``deps_installed``…)."""
    data: Mapping[str, Scalar] = field(default_factory=dict)
    ts: float = 0.0
    """Seconds since the epoch."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))


@dataclass(frozen=True, slots=True)
class MissionResult(WireValue):
    """How a mission ended, with its output or the reason it failed."""

    WIRE_NAME: ClassVar[str] = "result"

    mission_id: NonEmpty
    ok: bool
    output: str = ""
    error: str | None = None

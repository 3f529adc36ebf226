"""Work the cloud hands to an edge worker, and what comes back."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from models._wire import (
    Scalar,
    as_object,
    get_bool,
    get_int,
    get_list,
    get_nonempty_str,
    get_number,
    get_scalars,
    get_str,
)
from models.errors import DecodeError


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


def _enum(cls: type[enum.StrEnum], value: str, field_name: str) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in cls)
        raise DecodeError(field_name, f"{value!r} is not one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class Step:
    """One idempotent step of a mission (``goto``, ``click``, ``install``…)."""

    index: int
    action: str
    params: Mapping[str, Scalar] = field(default_factory=dict)
    idempotency_key: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def to_wire(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "action": self.action,
            "params": dict(self.params),
            "idempotency_key": self.idempotency_key,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "step") -> Step:
        obj = as_object(data, path)
        return cls(
            index=get_int(obj, "index", path),
            action=get_nonempty_str(obj, "action", path),
            params=get_scalars(obj, "params", path),
            idempotency_key=get_str(obj, "idempotency_key", path),
        )


@dataclass(frozen=True, slots=True)
class Mission:
    """Ordered steps for one worker, with the requirements that choose the worker."""

    id: str
    kind: MissionKind
    steps: tuple[Step, ...]
    idempotency_key: str
    trace_id: str
    requested_by: str | None = None
    """Device id that asked; the result is spoken there."""
    capabilities: frozenset[str] = field(default_factory=frozenset)
    device_name: str | None = None
    """An explicit target device, when the request named one."""

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "steps": [step.to_wire() for step in self.steps],
            "idempotency_key": self.idempotency_key,
            "trace_id": self.trace_id,
            "requested_by": self.requested_by,
            "capabilities": sorted(self.capabilities),
            "device_name": self.device_name,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "mission") -> Mission:
        obj = as_object(data, path)
        steps = get_list(obj, "steps", path)
        capabilities = get_list(obj, "capabilities", path)
        for index, capability in enumerate(capabilities):
            if not isinstance(capability, str):
                raise DecodeError(f"{path}.capabilities[{index}]", "expected a string")
        return cls(
            id=get_nonempty_str(obj, "id", path),
            kind=_enum(MissionKind, get_str(obj, "kind", path), f"{path}.kind"),
            steps=tuple(
                Step.from_wire(step, f"{path}.steps[{index}]") for index, step in enumerate(steps)
            ),
            idempotency_key=get_str(obj, "idempotency_key", path),
            trace_id=get_str(obj, "trace_id", path),
            requested_by=get_str(obj, "requested_by", path, optional=True),
            capabilities=frozenset(capabilities),
            device_name=get_str(obj, "device_name", path, optional=True),
        )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """Proof that a step finished, stored by the cloud before it acks."""

    mission_id: str
    step_index: int
    name: str
    """What was reached (``venv_created``, ``deps_installed``…)."""
    data: Mapping[str, Scalar] = field(default_factory=dict)
    ts: float = 0.0
    """Seconds since the epoch."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    def to_wire(self) -> dict[str, Any]:
        return {
            "mission_id": self.mission_id,
            "step_index": self.step_index,
            "name": self.name,
            "data": dict(self.data),
            "ts": self.ts,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "checkpoint") -> Checkpoint:
        obj = as_object(data, path)
        return cls(
            mission_id=get_nonempty_str(obj, "mission_id", path),
            step_index=get_int(obj, "step_index", path),
            name=get_nonempty_str(obj, "name", path),
            data=get_scalars(obj, "data", path),
            ts=get_number(obj, "ts", path),
        )


@dataclass(frozen=True, slots=True)
class MissionResult:
    """How a mission ended, with its output or the reason it failed."""

    mission_id: str
    ok: bool
    output: str = ""
    error: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "mission_id": self.mission_id,
            "ok": self.ok,
            "output": self.output,
            "error": self.error,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "result") -> MissionResult:
        obj = as_object(data, path)
        return cls(
            mission_id=get_nonempty_str(obj, "mission_id", path),
            ok=get_bool(obj, "ok", path),
            output=get_str(obj, "output", path),
            error=get_str(obj, "error", path, optional=True),
        )

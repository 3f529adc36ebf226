"""What every runner shares: payload caps, parameter reading, and the checkpointed step loop."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field

import structlog

from assistant.errors import MissionError, MissionPayloadError, MissionStepError
from assistant.missions import OnCheckpoint
from jarvis.logs import traced
from models.missions import Checkpoint, Mission, MissionKind, MissionResult, Step

log = structlog.get_logger(__name__)

Scalar = str | int | float | bool | None
"""What a checkpoint's data and a step's params hold (as in ``models.missions``)."""

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


@dataclass(frozen=True, slots=True)
class PayloadLimits:
    """Caps checked before any step runs, so an oversized mission has no side effect at all."""

    max_steps: int = 50
    max_params_bytes: int = 16 * KIB
    """UTF-8 JSON size of one step's params, not counting those capped in ``large_params``."""
    large_params: Mapping[str, int] = field(default_factory=dict)
    """Params with their own cap in bytes (``code`` of a Python mission: 64 KiB)."""


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What a finished step reports: its checkpoint, and what it adds to the mission's output."""

    checkpoint: str
    data: Mapping[str, Scalar] = field(default_factory=dict)
    output: str = ""


Perform = Callable[[Step], Awaitable[StepOutcome]]


def format_bytes(count: float) -> str:
    """``1.1 GiB``, ``300.0 MiB``, ``12.0 KiB`` or ``512 B``: sizes as people read them."""
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{int(count)} B"


def check_payload(
    mission: Mission, kind: MissionKind, actions: Collection[str], limits: PayloadLimits
) -> None:
    """``MissionPayloadError`` unless the mission has this kind, known actions, fits the caps."""
    if mission.kind is not kind:
        raise MissionPayloadError(f"a {mission.kind} mission was sent to the {kind} runner")
    if len(mission.steps) > limits.max_steps:
        raise MissionPayloadError(
            f"the mission has {len(mission.steps)} steps; at most {limits.max_steps} are allowed"
        )
    indexes = [step.index for step in mission.steps]
    if len(set(indexes)) != len(indexes):
        raise MissionPayloadError("two steps of the mission share an index")
    for step in mission.steps:
        if step.action not in actions:
            known = ", ".join(sorted(actions))
            raise MissionPayloadError(
                f"step {step.index}: unknown action {step.action!r} (known: {known})"
            )
        _check_param_sizes(step, limits)


def _check_param_sizes(step: Step, limits: PayloadLimits) -> None:
    small = {}
    for name, value in step.params.items():
        cap = limits.large_params.get(name)
        if cap is None:
            small[name] = value
        elif len(str(value).encode()) > cap:
            raise MissionPayloadError(
                f"step {step.index}: {name} is {format_bytes(len(str(value).encode()))}; "
                f"at most {format_bytes(cap)} is allowed"
            )
    size = len(json.dumps(small, ensure_ascii=False).encode())
    if size > limits.max_params_bytes:
        raise MissionPayloadError(
            f"step {step.index}: its parameters are {format_bytes(size)}; "
            f"at most {format_bytes(limits.max_params_bytes)} is allowed"
        )


def str_param(step: Step, name: str, *, default: str | None = None) -> str:
    """A string parameter, required unless a default is given."""
    value = step.params.get(name, default)
    if value is None:
        raise MissionPayloadError(f"step {step.index} ({step.action}) needs the parameter {name}")
    if not isinstance(value, str):
        raise MissionPayloadError(f"step {step.index}: {name} must be a string")
    return value


def number_param(step: Step, name: str, *, default: float | None, low: float, high: float) -> float:
    """A number in ``(low, high]``; ``default`` when absent, required when that is None."""
    value = step.params.get(name, default)
    if value is None:
        raise MissionPayloadError(f"step {step.index} ({step.action}) needs the parameter {name}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MissionPayloadError(f"step {step.index}: {name} must be a number")
    if not low < value <= high:
        raise MissionPayloadError(
            f"step {step.index}: {name} is {value:g}; it must be above {low:g} and at most {high:g}"
        )
    return float(value)


def bool_param(step: Step, name: str, *, default: bool) -> bool:
    value = step.params.get(name, default)
    if not isinstance(value, bool):
        raise MissionPayloadError(f"step {step.index}: {name} must be true or false")
    return value


def safe_name(text: str) -> str:
    """``text`` reduced to characters safe in a file name (mission ids come from the cloud)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)[:80] or "mission"


async def run_steps(
    mission: Mission,
    *,
    done_steps: frozenset[int],
    on_checkpoint: OnCheckpoint,
    perform: Perform,
    validate: Callable[[], None],
    skip: Callable[[Step], None] | None = None,
) -> MissionResult:
    """Validate the whole mission, then run the steps in order, skipping done ones and
    checkpointing each; a ``MissionError`` ends the mission with a failed result carrying the
    output gathered so far."""
    outputs: list[str] = []
    with traced(mission_id=mission.id, trace_id=mission.trace_id):
        try:
            validate()
            for step in mission.steps:
                if step.index in done_steps:
                    log.info("mission.step_skipped", step=step.index, action=step.action)
                    if skip is not None:
                        skip(step)
                    continue
                log.info("mission.step_started", step=step.index, action=step.action)
                outcome = await perform(step)
                if outcome.output:
                    outputs.append(outcome.output)
                data = dict(outcome.data)
                if outcome.output:
                    # Kept with the checkpoint: should this worker die, the cloud puts what
                    # the steps done here printed before the output of the worker resuming.
                    data.setdefault("output", outcome.output)
                checkpoint = Checkpoint(
                    mission.id, step.index, outcome.checkpoint, data, ts=time.time()
                )
                await on_checkpoint(checkpoint)
                log.info("mission.step_done", step=step.index, checkpoint=outcome.checkpoint)
        except MissionError as error:
            log.warning("mission.failed", error=str(error))
            if isinstance(error, MissionStepError) and error.output:
                outputs.append(error.output)
            return MissionResult(mission.id, ok=False, output="\n".join(outputs), error=str(error))
        log.info("mission.succeeded", steps=len(mission.steps) - len(done_steps))
        return MissionResult(mission.id, ok=True, output="\n".join(outputs))

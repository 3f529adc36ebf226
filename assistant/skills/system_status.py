"""How the device is doing: CPU, memory, battery and disk, sampled with psutil off the loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from assistant import replies
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names

CPU_SAMPLE_S = 0.3
"""Seconds over which CPU use is measured; a sample of nothing reads 0 %."""


@dataclass(frozen=True, slots=True)
class Battery:
    percent: float
    plugged: bool | None
    """``None`` when the platform cannot tell."""


@dataclass(frozen=True, slots=True)
class Disk:
    percent: float
    free_bytes: int


class SystemStatusSkill:
    def __init__(self, disk_path: Path) -> None:
        self._disk_path = disk_path  # its filesystem is the one reported: the data dir's

    async def report(self, slots: Mapping[str, object]) -> str:
        aspect = (_slots.text(slots, "aspect") or "").lower()
        if aspect == "cpu":
            return replies.cpu(await asyncio.to_thread(_cpu_percent))
        if aspect == "memory":
            memory = await asyncio.to_thread(psutil.virtual_memory)
            return replies.memory(float(memory.percent), memory.used, memory.total)
        if aspect == "battery":
            battery = await asyncio.to_thread(read_battery)
            return (
                replies.no_battery()
                if battery is None
                else replies.battery(battery.percent, battery.plugged)
            )
        if aspect == "disk":
            disk = await asyncio.to_thread(read_disk, self._disk_path)
            return replies.disk(disk.percent, disk.free_bytes)
        if aspect:
            return replies.unknown_aspect(aspect)
        return await asyncio.to_thread(self._summary)

    def _summary(self) -> str:
        """Runs in a worker thread: every reading blocks, the CPU one for ``CPU_SAMPLE_S``."""
        battery = read_battery()
        return replies.system_summary(
            _cpu_percent(),
            float(psutil.virtual_memory().percent),
            read_disk(self._disk_path).percent,
            None if battery is None else battery.percent,
        )


def _cpu_percent() -> float:
    return float(psutil.cpu_percent(interval=CPU_SAMPLE_S))


def read_battery() -> Battery | None:
    """The battery, or ``None`` when there is none (or the platform cannot read one)."""
    sensors_battery = getattr(psutil, "sensors_battery", None)  # missing on some platforms
    if sensors_battery is None:
        return None
    try:
        reading = sensors_battery()
    except (OSError, NotImplementedError):
        return None
    if reading is None:
        return None
    plugged = reading.power_plugged
    return Battery(float(reading.percent), None if plugged is None else bool(plugged))


def read_disk(path: Path) -> Disk:
    """Usage of the filesystem holding ``path`` (its nearest existing parent), else of ``/``."""
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("/"))
    usage = psutil.disk_usage(str(existing))
    return Disk(float(usage.percent), int(usage.free))


INTENTS: tuple[IntentSpec[SystemStatusSkill], ...] = (
    spec(names.SYSTEM_STATUS, lambda skill, asked: skill.report(asked.slots), ("aspect",)),
)

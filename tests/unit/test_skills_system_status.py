"""system.status reads the real machine with psutil, off the event loop."""

from __future__ import annotations

import re
from collections import namedtuple
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # no type hints shipped
import pytest

from assistant.skills.system_status import SystemStatusSkill

Battery = namedtuple("Battery", "percent secsleft power_plugged")  # psutil's shape


async def test_cpu_memory_and_disk_are_read(tmp_path: Path) -> None:
    """Each aspect gives a sentence with real numbers from this machine."""
    skill = SystemStatusSkill(tmp_path)
    assert re.fullmatch(r"The CPU is at \d+ percent\.", await skill.report({"aspect": "cpu"}))
    assert re.fullmatch(
        r"Memory is \d+ percent used: [\d.]+ gigabytes of [\d.]+ gigabytes\.",
        await skill.report({"aspect": "memory"}),
    )
    assert re.fullmatch(
        r"The disk is \d+ percent full, with [\d.]+ gigabytes free\.",
        await skill.report({"aspect": "disk"}),
    )


async def test_summary_without_aspect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an aspect the reply summarises CPU, memory and disk (and battery when present)."""
    monkeypatch.setattr(psutil, "sensors_battery", lambda: None)
    summary = await SystemStatusSkill(tmp_path / "not-yet").report({})
    assert re.fullmatch(r"CPU \d+ percent, memory \d+ percent, disk \d+ percent full\.", summary)
    monkeypatch.setattr(psutil, "sensors_battery", lambda: Battery(80.4, 3600, True))
    summary = await SystemStatusSkill(tmp_path).report({})
    assert summary.endswith(", battery 80 percent.")


async def test_battery_present_or_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A battery is reported with its charge; a device without one says so honestly."""
    skill = SystemStatusSkill(tmp_path)
    monkeypatch.setattr(psutil, "sensors_battery", lambda: None)
    assert await skill.report({"aspect": "battery"}) == "This device has no battery."
    monkeypatch.setattr(psutil, "sensors_battery", lambda: Battery(80.4, 3600, True))
    assert await skill.report({"aspect": "battery"}) == "The battery is at 80 percent, plugged in."
    monkeypatch.setattr(psutil, "sensors_battery", lambda: Battery(35, 3600, False))
    assert await skill.report({"aspect": "battery"}) == (
        "The battery is at 35 percent, on battery power."
    )


async def test_unknown_aspect_is_said_honestly(tmp_path: Path) -> None:
    """An aspect Jarvis cannot read is not guessed at."""
    assert await SystemStatusSkill(tmp_path).report({"aspect": "temperature"}) == (
        "I can't check the temperature on this device."
    )

"""Volume through ALSA's ``amixer`` on the ``Master`` control (perceptual ``-M`` scale)."""

from __future__ import annotations

import re

from assistant.errors import AdapterError
from assistant.platform._subprocess import run_command

_PERCENT = re.compile(r"\[(\d+)%\]")


class AmixerVolume:
    """Implements :class:`assistant.platform.Volume` with ``amixer -M sget/sset Master``."""

    def __init__(self, executable: str = "amixer", control: str = "Master") -> None:
        self._amixer = executable
        self._control = control

    async def get_level(self) -> int:
        output = await run_command([self._amixer, "-M", "sget", self._control])
        match = _PERCENT.search(output)
        if match is None:
            raise AdapterError(f"amixer printed no volume: {output.strip()!r}")
        return int(match.group(1))

    async def set_level(self, level: int) -> None:
        level = max(0, min(100, level))
        await run_command([self._amixer, "-q", "-M", "sset", self._control, f"{level}%"])

    async def change(self, delta: int) -> int:
        level = max(0, min(100, await self.get_level() + delta))
        await self.set_level(level)
        return level

    async def mute(self) -> None:
        await run_command([self._amixer, "-q", "sset", self._control, "mute"])

    async def unmute(self) -> None:
        await run_command([self._amixer, "-q", "sset", self._control, "unmute"])

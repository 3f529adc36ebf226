"""Volume through PulseAudio or PipeWire's ``pactl`` (the default sink)."""

from __future__ import annotations

import re

from assistant.errors import AdapterError
from assistant.platform._subprocess import run_command

_PERCENT = re.compile(r"(\d+)%")


class PactlVolume:
    """Implements :class:`assistant.platform.Volume` with ``pactl … @DEFAULT_SINK@``."""

    def __init__(self, executable: str = "pactl") -> None:
        self._pactl = executable

    async def get_level(self) -> int:
        output = await run_command([self._pactl, "get-sink-volume", "@DEFAULT_SINK@"])
        match = _PERCENT.search(output)  # the first channel speaks for all
        if match is None:
            raise AdapterError(f"pactl printed no volume: {output.strip()!r}")
        return int(match.group(1))

    async def set_level(self, level: int) -> None:
        level = max(0, min(100, level))
        await run_command([self._pactl, "set-sink-volume", "@DEFAULT_SINK@", f"{level}%"])

    async def change(self, delta: int) -> int:
        # Read, clamp, set: pactl's own "+10%" would happily go past 100 %.
        level = max(0, min(100, await self.get_level() + delta))
        await self.set_level(level)
        return level

    async def mute(self) -> None:
        await run_command([self._pactl, "set-sink-mute", "@DEFAULT_SINK@", "1"])

    async def unmute(self) -> None:
        await run_command([self._pactl, "set-sink-mute", "@DEFAULT_SINK@", "0"])

"""Media playback through ``playerctl`` (any MPRIS player: Spotify, VLC, browsers…)."""

from __future__ import annotations

from assistant.errors import AdapterError, NothingPlayingError
from assistant.platform._subprocess import run_command


class PlayerctlMedia:
    """Implements :class:`assistant.platform.Media` with ``playerctl pause|play|next|previous``."""

    def __init__(self, executable: str = "playerctl") -> None:
        self._playerctl = executable

    async def _run(self, command: str) -> None:
        try:
            await run_command([self._playerctl, command])
        except AdapterError as error:
            if "No players found" in str(error):
                raise NothingPlayingError(str(error)) from error
            raise

    async def pause(self) -> None:
        await self._run("pause")

    async def resume(self) -> None:
        await self._run("play")

    async def next(self) -> None:
        await self._run("next")

    async def previous(self) -> None:
        await self._run("previous")

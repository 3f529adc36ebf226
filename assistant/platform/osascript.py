"""macOS volume, typing and Music playback through ``osascript`` (AppleScript).

Typing needs the Accessibility permission for the process running Jarvis; without it osascript
fails and the skill says so.
"""

from __future__ import annotations

from assistant.errors import AdapterError, NothingPlayingError
from assistant.platform._subprocess import run_command


async def _osascript(executable: str, *lines: str, args: tuple[str, ...] = ()) -> str:
    argv = [executable]
    for line in lines:
        argv += ["-e", line]
    return (await run_command([*argv, *args])).strip()


class OsascriptVolume:
    """Implements :class:`assistant.platform.Volume` with ``get/set volume`` settings."""

    def __init__(self, executable: str = "osascript") -> None:
        self._osascript = executable

    async def get_level(self) -> int:
        output = await _osascript(self._osascript, "output volume of (get volume settings)")
        if not output.isdigit():  # "missing value" when there is no output device
            raise AdapterError(f"osascript printed no volume: {output!r}")
        return int(output)

    async def set_level(self, level: int) -> None:
        level = max(0, min(100, int(level)))
        await _osascript(self._osascript, f"set volume output volume {level}")

    async def change(self, delta: int) -> int:
        level = max(0, min(100, await self.get_level() + delta))
        await self.set_level(level)
        return level

    async def mute(self) -> None:
        await _osascript(self._osascript, "set volume with output muted")

    async def unmute(self) -> None:
        await _osascript(self._osascript, "set volume without output muted")


class OsascriptKeyboard:
    """Implements :class:`assistant.platform.Keyboard` with System Events ``keystroke``."""

    def __init__(self, executable: str = "osascript") -> None:
        self._osascript = executable

    async def type_text(self, text: str) -> None:
        # The text travels as an argument, never inside the script, so nothing needs escaping.
        await _osascript(
            self._osascript,
            "on run argv",
            'tell application "System Events" to keystroke (item 1 of argv)',
            "end run",
            args=(text,),
        )


class OsascriptMedia:
    """Implements :class:`assistant.platform.Media` for the Music app, only when it is running."""

    def __init__(self, executable: str = "osascript", application: str = "Music") -> None:
        self._osascript = executable
        self._application = application

    async def _tell(self, command: str) -> None:
        output = await _osascript(
            self._osascript,
            f'if application "{self._application}" is running then',
            f'tell application "{self._application}" to {command}',
            'return "ok"',
            "end if",
            'return "not running"',
        )
        if output != "ok":
            raise NothingPlayingError(f"{self._application} is not running")

    async def pause(self) -> None:
        await self._tell("pause")

    async def resume(self) -> None:
        await self._tell("play")

    async def next(self) -> None:
        await self._tell("next track")

    async def previous(self) -> None:
        await self._tell("previous track")

"""Typing on X11 through ``xdotool``."""

from __future__ import annotations

from assistant.platform._subprocess import run_command


class XdotoolKeyboard:
    """Implements :class:`assistant.platform.Keyboard` with ``xdotool type``."""

    def __init__(self, executable: str = "xdotool") -> None:
        self._xdotool = executable

    async def type_text(self, text: str) -> None:
        # "--" keeps text that starts with "-" from being read as an option.
        await run_command([self._xdotool, "type", "--delay", "0", "--", text])

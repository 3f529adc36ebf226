"""Typing on Wayland through ``wtype`` (compositors with the virtual-keyboard protocol)."""

from __future__ import annotations

from assistant.platform._subprocess import run_command


class WtypeKeyboard:
    """Implements :class:`assistant.platform.Keyboard` with ``wtype -- TEXT``."""

    def __init__(self, executable: str = "wtype") -> None:
        self._wtype = executable

    async def type_text(self, text: str) -> None:
        await run_command([self._wtype, "--", text])

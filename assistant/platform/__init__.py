"""Ports for the machine Jarvis runs on (volume, media, keyboard) and the probe that picks adapters.

Each adapter is a module named after its technology; :func:`discover` looks, once at start-up,
at which ones this device can use. A port left ``None`` means "not on this device", and the
skills say so instead of pretending.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import structlog

from assistant.platform._subprocess import probe
from assistant.platform.amixer import AmixerVolume
from assistant.platform.osascript import OsascriptKeyboard, OsascriptMedia, OsascriptVolume
from assistant.platform.pactl import PactlVolume
from assistant.platform.playerctl import PlayerctlMedia
from assistant.platform.wtype import WtypeKeyboard
from assistant.platform.xdotool import XdotoolKeyboard

log = structlog.get_logger(__name__)


class Volume(Protocol):
    """The output volume, in percent (0 to 100)."""

    async def get_level(self) -> int: ...

    async def set_level(self, level: int) -> None: ...

    async def change(self, delta: int) -> int:
        """Moves the level by ``delta`` percent points, clamped to 0-100; returns the new level."""
        ...

    async def mute(self) -> None: ...

    async def unmute(self) -> None: ...


class Media(Protocol):
    """Whatever media player is active."""

    async def pause(self) -> None: ...

    async def resume(self) -> None: ...

    async def next(self) -> None: ...

    async def previous(self) -> None: ...


class Keyboard(Protocol):
    """Types text into the focused window."""

    async def type_text(self, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PlatformAdapters:
    """The adapters this device has; ``None`` where it has none."""

    volume: Volume | None = None
    media: Media | None = None
    keyboard: Keyboard | None = None


async def discover(
    *, platform: str | None = None, environ: Mapping[str, str] | None = None
) -> PlatformAdapters:
    """Probes this device for usable adapters without blocking the loop (a few seconds at most).

    ``platform`` and ``environ`` default to ``sys.platform`` and ``os.environ``; tests pass theirs.
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    if platform == "darwin":
        adapters = _macos(environ)
    elif platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        adapters = await _unix(environ)
    else:  # Windows and the rest: nothing here drives them yet, and we say so
        adapters = PlatformAdapters()
    log.info(
        "platform.discovered",
        platform=platform,
        volume=_name(adapters.volume),
        media=_name(adapters.media),
        keyboard=_name(adapters.keyboard),
    )
    return adapters


def _name(adapter: object | None) -> str | None:
    return None if adapter is None else type(adapter).__name__


def _which(name: str, environ: Mapping[str, str]) -> str | None:
    return shutil.which(name, path=environ.get("PATH", os.defpath))


def _macos(environ: Mapping[str, str]) -> PlatformAdapters:
    osascript = _which("osascript", environ)
    if osascript is None:
        return PlatformAdapters()
    return PlatformAdapters(
        volume=OsascriptVolume(osascript),
        media=OsascriptMedia(osascript),
        keyboard=OsascriptKeyboard(osascript),
    )


async def _unix(environ: Mapping[str, str]) -> PlatformAdapters:
    return PlatformAdapters(
        volume=await _unix_volume(environ),
        media=_unix_media(environ),
        keyboard=_unix_keyboard(environ),
    )


async def _unix_volume(environ: Mapping[str, str]) -> Volume | None:
    # pactl only counts when a sound server answers; a bare binary without one is no use.
    pactl = _which("pactl", environ)
    if pactl is not None and await probe([pactl, "info"]):
        return PactlVolume(pactl)
    amixer = _which("amixer", environ)
    if amixer is not None and await probe([amixer, "-M", "sget", "Master"]):
        return AmixerVolume(amixer)
    return None


def _unix_media(environ: Mapping[str, str]) -> Media | None:
    # No probe: players come and go; when none runs, the skill says nothing is playing.
    playerctl = _which("playerctl", environ)
    return None if playerctl is None else PlayerctlMedia(playerctl)


def _unix_keyboard(environ: Mapping[str, str]) -> Keyboard | None:
    if environ.get("WAYLAND_DISPLAY") and (wtype := _which("wtype", environ)):
        return WtypeKeyboard(wtype)
    if environ.get("DISPLAY") and (xdotool := _which("xdotool", environ)):
        return XdotoolKeyboard(xdotool)
    return None

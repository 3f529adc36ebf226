"""Waiting for a sound device to be plugged in, without a restart of the edge.

PortAudio reads its list of devices once, when it starts, so finding a device plugged in later
means starting PortAudio again (``assistant.audio.portaudio.rescan_devices``). On Linux each
sound device adds a node to ``/dev/snd`` (``pcmC1D0c`` records, ``pcmC1D0p`` plays), so looking
at that folder every ``WATCH_S`` says when to start PortAudio again, at no cost; elsewhere it is
started again every ``RESCAN_EVERY_S`` (a few milliseconds).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal, TypeVar

import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")

WATCH_S = 2.0
"""How often ``/dev/snd`` is looked at for a new device (Linux)."""
RESCAN_EVERY_S = 30.0
"""Where there is no such folder to watch, how often the device list is read anew."""
TRIES_AFTER_A_CHANGE = 3
"""Looks after a new node appears: udev may add the node before the card is ready."""
SOUND_NODES = Path("/dev/snd")

Direction = Literal["capture", "playback"]


def sound_nodes(direction: Direction, folder: Path = SOUND_NODES) -> frozenset[str] | None:
    """Linux: the nodes of the devices that record (``capture``) or play (``playback``); none
    when the folder is missing (no sound card at all); None elsewhere, or where the folder
    cannot be read: no such signal."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return frozenset()
    except OSError:
        return None
    ending = "c" if direction == "capture" else "p"
    return frozenset(name for name in names if name.startswith("pcm") and name.endswith(ending))


async def plugged_in(
    direction: Direction,
    try_open: Callable[[], Awaitable[T | None]],
    rescan: Callable[[], Awaitable[bool]],
    *,
    before_each_look: Callable[[], Awaitable[None]] | None = None,
    watch_s: float = WATCH_S,
    rescan_every_s: float = RESCAN_EVERY_S,
    nodes: Path = SOUND_NODES,
) -> T:
    """Wait until ``try_open()`` (called after each ``rescan()`` that read the list anew)
    returns the device; it returns None while there is none. ``rescan()`` is False when the
    list could not be read anew (a stream that must not be cut holds PortAudio): the look is
    then not spent. ``before_each_look`` may hold the watch (a microphone that is muted)."""
    seen = await asyncio.to_thread(sound_nodes, direction, nodes)
    tries_left = 0
    waited_s = 0.0
    log.info("sound.watching", direction=direction, watched=None if seen is None else str(nodes))
    while True:
        await asyncio.sleep(watch_s)
        waited_s += watch_s
        if before_each_look is not None:
            await before_each_look()
        now = await asyncio.to_thread(sound_nodes, direction, nodes)
        if now is not None and now != seen:
            if now - (seen or frozenset()):  # a device was added, not only taken away
                tries_left = TRIES_AFTER_A_CHANGE
            seen = now
        if now is None and waited_s >= rescan_every_s:
            tries_left, waited_s = 1, 0.0
        if tries_left == 0 or not await rescan():
            continue
        tries_left -= 1
        device = await try_open()
        if device is not None:
            return device

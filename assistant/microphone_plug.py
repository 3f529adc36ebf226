"""The edge's microphone, behind the mute switch, and found when it is plugged in later.

A machine that had no microphone when the edge started (a Raspberry Pi whose USB microphone
was plugged in afterwards, a laptop docked later) runs text-only until one appears; the edge
then starts listening without a restart. On Linux a capture device adds a node to ``/dev/snd``
(``pcmC1D0c``), so looking at that folder every ``WATCH_S`` says when to look for it, at no
cost; elsewhere PortAudio is started again every ``RESCAN_EVERY_S`` to read its device list
anew (a few milliseconds; never while a reply plays).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog

from assistant.audio import AudioSource
from assistant.errors import NoInputDeviceError, PortAudioMissingError
from assistant.listening import ListeningState, MutableSource

log = structlog.get_logger(__name__)

WATCH_S = 2.0
"""How often ``/dev/snd`` is looked at for a new capture device (Linux)."""
RESCAN_EVERY_S = 30.0
"""Where there is no such folder to watch, how often the device list is read anew."""
TRIES_AFTER_A_CHANGE = 3
"""Looks after a new capture node appears: udev may add the node before the card is ready."""
SOUND_NODES = Path("/dev/snd")


def capture_nodes(folder: Path = SOUND_NODES) -> frozenset[str] | None:
    """Linux: the capture devices' nodes (none when the folder is missing: no sound card at
    all); None elsewhere, or where the folder cannot be read: no such signal."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return frozenset()
    except OSError:
        return None
    return frozenset(name for name in names if name.startswith("pcm") and name.endswith("c"))


def _opener(
    input_device: str | None, listening: ListeningState
) -> Callable[[], Awaitable[AudioSource]]:
    """Opens the microphone; once it was lost, among the devices plugged in now (one put back
    may have another number)."""
    from assistant.audio.microphone import Microphone

    async def open_device() -> AudioSource:
        return await Microphone.open(input_device, rescan=listening.microphone_lost is not None)

    return open_device


async def open_mutable_microphone(
    input_device: str | None, listening: ListeningState
) -> MutableSource | None:
    """The microphone behind a mute switch; None when there is none (the voice loop then says
    it runs text-only)."""
    open_device = _opener(input_device, listening)
    try:
        device = await open_device()
    except NoInputDeviceError:
        return None
    return MutableSource(device, open_device, listening)


def can_be_plugged_in() -> bool:
    """Whether watching for a microphone can ever find one: not without PortAudio at all."""
    from assistant.audio.portaudio import load_sounddevice

    try:
        load_sounddevice()
    except PortAudioMissingError:
        return False
    return True


async def microphone_plugged_in(
    input_device: str | None,
    listening: ListeningState,
    *,
    watch_s: float = WATCH_S,
    rescan_every_s: float = RESCAN_EVERY_S,
    nodes: Path = SOUND_NODES,
) -> MutableSource:
    """Wait until a microphone (``input_device``, or any) can be opened, then return it behind
    the mute switch, as ``open_mutable_microphone`` would have at start. Nothing is opened while
    muted; cancelling it leaves no device open."""
    from assistant.audio.microphone import Microphone
    from assistant.audio.portaudio import rescan_devices

    seen = await asyncio.to_thread(capture_nodes, nodes)
    tries_left = 0
    waited_s = 0.0
    log.info("listening.watching_for_microphone", watched=None if seen is None else str(nodes))
    while True:
        await asyncio.sleep(watch_s)
        waited_s += watch_s
        if listening.muted:
            await listening.wait_unmuted()
        now = await asyncio.to_thread(capture_nodes, nodes)
        if now is not None and now != seen:
            if now - (seen or frozenset()):  # a capture device was added, not only taken away
                tries_left = TRIES_AFTER_A_CHANGE
            seen = now
        if now is None and waited_s >= rescan_every_s:
            tries_left, waited_s = 1, 0.0
        # A reply playing holds PortAudio: the list is read anew after it, the try not spent.
        if tries_left == 0 or not await asyncio.to_thread(rescan_devices):
            continue
        tries_left -= 1
        try:
            device = await Microphone.open(input_device)
        except NoInputDeviceError as error:
            log.info("listening.microphone_not_yet", reason=str(error))
            continue
        log.info("listening.microphone_plugged_in", device=device.device.name)
        return MutableSource(device, _opener(input_device, listening), listening)

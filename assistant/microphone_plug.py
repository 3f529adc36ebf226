"""The edge's microphone, behind the mute switch, and found when it is plugged in later.

A machine that had no microphone when the edge started (a Raspberry Pi whose USB microphone
was plugged in afterwards, a laptop docked later) runs text-only until one appears; the edge
then starts listening without a restart (how it is looked for: ``assistant.audio.hotplug``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog

from assistant.audio import AudioSource
from assistant.audio.hotplug import RESCAN_EVERY_S, SOUND_NODES, WATCH_S, plugged_in
from assistant.errors import NoInputDeviceError, PortAudioMissingError
from assistant.listening import ListeningState, MutableSource

log = structlog.get_logger(__name__)


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

    async def unmuted() -> None:
        if listening.muted:
            await listening.wait_unmuted()

    async def rescan() -> bool:
        # A reply playing holds PortAudio: the list is read anew after it, the try not spent.
        return await asyncio.to_thread(rescan_devices)

    async def try_open() -> Microphone | None:
        try:
            return await Microphone.open(input_device)
        except NoInputDeviceError as error:
            log.info("listening.microphone_not_yet", reason=str(error))
            return None

    device = await plugged_in(
        "capture", try_open, rescan, before_each_look=unmuted,
        watch_s=watch_s, rescan_every_s=rescan_every_s, nodes=nodes,
    )  # fmt: skip
    log.info("listening.microphone_plugged_in", device=device.device.name)
    return MutableSource(device, _opener(input_device, listening), listening)

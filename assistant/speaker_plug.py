"""A speaker plugged in after the edge started.

An edge that had no sound output when it started shows its replies as text; once a speaker is
plugged in it speaks them, without a restart (how it is looked for: ``assistant.audio.hotplug``).
Finding it means starting PortAudio again, which would cut off the microphone's stream, so
``PortAudioRescan`` closes the microphone for those milliseconds and opens it again after
(``MutableSource.reopened_around``): the listening goes on, a few frames short. The player it
returns does the same when a reply cannot be opened (a speaker pulled out and put back).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog

from assistant.audio.hotplug import RESCAN_EVERY_S, SOUND_NODES, WATCH_S, plugged_in
from assistant.audio.playback import SoundDevicePlayer, has_output_device
from assistant.audio.portaudio import PortAudioRescan

log = structlog.get_logger(__name__)


async def speaker_plugged_in(
    rescan: PortAudioRescan,
    *,
    watch_s: float = WATCH_S,
    rescan_every_s: float = RESCAN_EVERY_S,
    nodes: Path = SOUND_NODES,
) -> SoundDevicePlayer:
    """Wait until a sound output device is listed, then return a player for it."""

    async def try_open() -> SoundDevicePlayer | None:
        if not await asyncio.to_thread(has_output_device):
            log.info("speech.speaker_not_yet")
            return None
        return SoundDevicePlayer(rescan=rescan)

    player = await plugged_in(
        "playback", try_open, rescan, watch_s=watch_s, rescan_every_s=rescan_every_s, nodes=nodes
    )
    log.info("speech.speaker_plugged_in")
    return player

"""Volume, media playback and typing through whatever adapters this device has.

Replies never claim success that did not happen: no adapter, or an adapter that fails, is said
plainly.
"""

from __future__ import annotations

from collections.abc import Mapping

import structlog

from assistant import replies
from assistant.errors import AdapterError, NothingPlayingError
from assistant.platform import PlatformAdapters
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names

log = structlog.get_logger(__name__)

MEDIA_ACTIONS = ("pause", "resume", "next", "previous")


def _failed(what: str, error: AdapterError) -> str:
    """The honest sentence for an adapter that failed; the details go to the log."""
    if isinstance(error, NothingPlayingError):
        return replies.nothing_playing()
    log.warning("platform.adapter_failed", what=what, error=str(error))
    return replies.adapter_failed(what)


class DeviceSkill:
    def __init__(self, adapters: PlatformAdapters) -> None:
        self._adapters = adapters

    async def set_volume(self, slots: Mapping[str, object]) -> str:
        volume, level = self._adapters.volume, _slots.integer(slots, "level")
        if volume is None:
            return replies.cannot_control("volume")
        if level is None:
            return replies.volume_need_level()
        level = max(0, min(100, level))
        try:
            await volume.set_level(level)
        except AdapterError as error:
            return _failed("volume", error)
        return replies.volume_set(level)

    async def change_volume(self, slots: Mapping[str, object]) -> str:
        volume, delta = self._adapters.volume, _slots.integer(slots, "delta")
        if volume is None:
            return replies.cannot_control("volume")
        if not delta:
            return replies.volume_need_delta()
        try:
            level = await volume.change(delta)
        except AdapterError as error:
            return _failed("volume", error)
        return replies.volume_changed(level, delta)

    async def mute(self, muted: bool) -> str:
        volume = self._adapters.volume
        if volume is None:
            return replies.cannot_control("volume")
        try:
            await (volume.mute() if muted else volume.unmute())
        except AdapterError as error:
            return _failed("volume", error)
        return replies.muted() if muted else replies.unmuted()

    async def media(self, action: str) -> str:
        """``action`` is one of :data:`MEDIA_ACTIONS`."""
        media = self._adapters.media
        if media is None:
            return replies.cannot_control("media")
        commands = {
            "pause": media.pause,
            "resume": media.resume,
            "next": media.next,
            "previous": media.previous,
        }
        try:
            await commands[action]()
        except AdapterError as error:
            return _failed("media", error)
        return replies.media_done(action)

    async def type_text(self, slots: Mapping[str, object]) -> str:
        keyboard = self._adapters.keyboard
        if keyboard is None:
            return replies.cannot_control("keyboard")
        # Not _slots.text: spacing the user dictated is part of what gets typed.
        text = slots.get("text")
        if not isinstance(text, str) or not text.strip():
            return replies.keyboard_need_text()
        try:
            await keyboard.type_text(text)
        except AdapterError as error:
            return _failed("keyboard", error)
        return replies.typed()


INTENTS: tuple[IntentSpec[DeviceSkill], ...] = (
    spec(names.VOLUME_SET, lambda skill, asked: skill.set_volume(asked.slots), ("level",)),
    spec(names.VOLUME_CHANGE, lambda skill, asked: skill.change_volume(asked.slots), ("delta",)),
    spec(names.VOLUME_MUTE, lambda skill, _: skill.mute(True)),
    spec(names.VOLUME_UNMUTE, lambda skill, _: skill.mute(False)),
    *(
        spec(name, lambda skill, asked: skill.media(asked.name.removeprefix("media.")))
        for name in (names.MEDIA_PAUSE, names.MEDIA_RESUME, names.MEDIA_NEXT, names.MEDIA_PREVIOUS)
    ),
    spec(names.KEYBOARD_TYPE, lambda skill, asked: skill.type_text(asked.slots), ("text",)),
)

"""The skills the edge runs itself once an utterance has become an :class:`~models.Intent`.

One façade, :class:`Skills`, routes each catalogue intent (DESIGN.md, "Local intents") to a
small skill module and returns the sentence to say. ``assistant.stop``, ``repeat``, ``confirm``
and ``deny`` belong to the app, not here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path

import aiosqlite
import structlog

from assistant.errors import UnhandledIntentError
from assistant.platform import PlatformAdapters
from assistant.skills import calculator
from assistant.skills._timer_store import TimerStore
from assistant.skills.clock import ClockSkill
from assistant.skills.devices import DeviceSkill
from assistant.skills.home import HomeSkill
from assistant.skills.notes import NotesSkill
from assistant.skills.system_status import SystemStatusSkill
from assistant.skills.timers import TimerSkill
from models import Intent, Reply

__all__ = ["Skills"]

log = structlog.get_logger(__name__)


class Skills:
    """Handles every local intent except the app's own (stop, repeat, confirm, deny)."""

    HANDLED: frozenset[str] = frozenset(
        {
            "time.now",
            "date.today",
            "timer.start",
            "timer.cancel",
            "timer.pause",
            "timer.resume",
            "timer.status",
            "timer.adjust",
            "volume.set",
            "volume.change",
            "volume.mute",
            "volume.unmute",
            "media.pause",
            "media.resume",
            "media.next",
            "media.previous",
            "system.status",
            "note.add",
            "note.list",
            "list.add",
            "list.remove",
            "list.show",
            "math.eval",
            "keyboard.type",
            "home.turn_on",
            "home.turn_off",
            "home.set_level",
            "home.state",
        }
    )

    def __init__(
        self,
        *,
        timers: TimerSkill,
        notes: NotesSkill,
        clock: ClockSkill,
        system: SystemStatusSkill,
        devices: DeviceSkill,
        home: HomeSkill | None = None,
    ) -> None:
        """Use :meth:`start`, which also loads and schedules the persisted timers."""
        self._timers = timers
        self._notes = notes
        self._clock = clock
        self._system = system
        self._devices = devices
        self.home = home or HomeSkill(Path(os.devnull))
        """The house through Home Assistant (unconfigured until given a URL and token)."""

    @classmethod
    async def start(
        cls,
        db: aiosqlite.Connection,
        publish: Callable[[Reply], None],
        *,
        timezone: tzinfo,
        adapters: PlatformAdapters,
        data_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        home: HomeSkill | None = None,
    ) -> Skills:
        """Builds the skills and schedules persisted timers (overdue ones fire at once).

        ``publish`` receives the later replies (a timer ending), ``kind="timer"``; ``data_dir``
        picks the filesystem "disk" reports on (``/`` without one); ``clock`` gives epoch seconds.
        """
        timers = TimerSkill(TimerStore(db), publish, clock)
        await timers.load()
        return cls(
            timers=timers,
            notes=NotesSkill(db, clock),
            clock=ClockSkill(timezone, clock),
            system=SystemStatusSkill(data_dir or Path("/")),
            devices=DeviceSkill(adapters),
            home=home,
        )

    async def close(self) -> None:
        """Cancels and awaits every timer task; the timers stay in the database."""
        await self._timers.close()
        await self.home.close()

    def set_timezone(self, timezone: tzinfo) -> None:
        """Use ``timezone`` from now on (the cloud changed this device's settings)."""
        self._clock.timezone = timezone

    async def follow_up_at(self, utterance_id: str) -> float | None:
        """Epoch seconds when a later reply for ``utterance_id`` is due (its timer), if any."""
        return self._timers.ends_at(utterance_id)

    async def handle(self, intent: Intent, utterance_id: str) -> str:
        """The reply sentence. User-level problems (no such timer, no volume control, an
        adapter that failed) are sentences too; only a wiring mistake raises
        :class:`UnhandledIntentError`, and a database failure propagates."""
        reply = await self._route(intent.name, intent.slots, utterance_id)
        log.debug("skills.handled", intent=intent.name)
        return reply

    async def _route(self, name: str, slots: Mapping[str, object], utterance_id: str) -> str:
        match name:
            case "time.now":
                return self._clock.time_now()
            case "date.today":
                return self._clock.date_today()
            case "timer.start":
                return await self._timers.start(slots, utterance_id)
            case "timer.cancel":
                return await self._timers.cancel(slots)
            case "timer.pause":
                return await self._timers.pause(slots)
            case "timer.resume":
                return await self._timers.resume(slots)
            case "timer.status":
                return await self._timers.status(slots)
            case "timer.adjust":
                return await self._timers.adjust(slots)
            case "volume.set":
                return await self._devices.set_volume(slots)
            case "volume.change":
                return await self._devices.change_volume(slots)
            case "volume.mute" | "volume.unmute":
                return await self._devices.mute(name == "volume.mute")
            case "media.pause" | "media.resume" | "media.next" | "media.previous":
                return await self._devices.media(name.removeprefix("media."))
            case "system.status":
                return await self._system.report(slots)
            case "note.add":
                return await self._notes.add_note(slots)
            case "note.list":
                return await self._notes.list_notes()
            case "list.add":
                return await self._notes.add_item(slots)
            case "list.remove":
                return await self._notes.remove_item(slots)
            case "list.show":
                return await self._notes.show_list(slots)
            case "math.eval":
                return calculator.say_result(slots)
            case "keyboard.type":
                return await self._devices.type_text(slots)
            case "home.turn_on" | "home.turn_off" | "home.set_level" | "home.state":
                return await self.home.handle(name, slots)
        raise UnhandledIntentError(f"the skills do not handle {name!r}")

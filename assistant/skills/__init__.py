"""The skills the edge runs itself once an utterance has become an :class:`~models.Intent`.

One façade, :class:`Skills`, routes each catalogue intent (DESIGN.md, "Local intents") to a
small skill module and returns the sentence to say. ``assistant.stop``, ``repeat``, ``confirm``
and ``deny`` belong to the app, not here.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any

import aiosqlite
import structlog

from assistant import interpreter
from assistant.errors import UnhandledIntentError
from assistant.history import History
from assistant.platform import PlatformAdapters
from assistant.skills import (
    alarms,
    calculator,
    clock,
    conversions,
    countdown,
    devices,
    home,
    notes,
    small_talk,
    system_status,
    timers,
    weather,
    world_clock,
)
from assistant.skills._alarm_store import AlarmStore
from assistant.skills._timer_store import TimerStore
from assistant.skills.alarms import AlarmSettings, AlarmSkill
from assistant.skills.clock import ClockSkill
from assistant.skills.countdown import CountdownSkill
from assistant.skills.devices import DeviceSkill
from assistant.skills.home import HomeSkill
from assistant.skills.intent_spec import Asked, Handler, IntentSpec, bind, said
from assistant.skills.notes import NotesSkill
from assistant.skills.small_talk import SmallTalkSkill
from assistant.skills.system_status import SystemStatusSkill
from assistant.skills.timers import TimerSkill
from assistant.skills.weather import WeatherSkill
from assistant.skills.world_clock import WorldClockSkill
from assistant.weather_cache import WeatherCache
from models import Intent, Reply

__all__ = ["INTENTS", "AlarmSettings", "IntentSpec", "Skills"]

log = structlog.get_logger(__name__)

INTENTS: tuple[IntentSpec[Any], ...] = (
    *clock.INTENTS,
    *timers.INTENTS,
    *devices.INTENTS,
    *system_status.INTENTS,
    *notes.INTENTS,
    *calculator.INTENTS,
    *weather.INTENTS,
    *alarms.INTENTS,
    *world_clock.INTENTS,
    *countdown.INTENTS,
    *conversions.INTENTS,
    *small_talk.INTENTS,
    *home.INTENTS,
)
"""Every intent the skills run, with its slots: each skill module declares its own, and
dispatch, :attr:`Skills.HANDLED`, the hello's capabilities and the tests read this one table."""


class Skills:
    """Handles every local intent except the app's own (stop, repeat, confirm, deny)."""

    HANDLED: frozenset[str] = frozenset(each.name for each in INTENTS)
    """Every intent :data:`INTENTS` declares."""

    def __init__(
        self,
        *,
        timers: TimerSkill,
        notes: NotesSkill,
        clock: ClockSkill,
        system: SystemStatusSkill,
        devices: DeviceSkill,
        alarms: AlarmSkill,
        world_clock: WorldClockSkill,
        countdown: CountdownSkill,
        small_talk: SmallTalkSkill,
        weather: WeatherSkill | None = None,
        home: HomeSkill | None = None,
    ) -> None:
        """Use :meth:`start`, which also loads and schedules the persisted timers and alarms."""
        self._weather = weather
        self._timers = timers
        self._alarms = alarms
        self._world_clock = world_clock
        self._countdown = countdown
        self._small_talk = small_talk
        self._warming: asyncio.Task[None] | None = None
        self._notes = notes
        self._clock = clock
        self._system = system
        self._devices = devices
        self.home = home or HomeSkill(Path(os.devnull))
        """The house through Home Assistant (unconfigured until given a URL and token)."""
        self._handlers = self._bind()

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
        alarm_settings: AlarmSettings | None = None,
        country: str = "US",
        rng: random.Random | None = None,
        home: HomeSkill | None = None,
        defer_load: bool = False,
    ) -> Skills:
        """Builds the skills and schedules persisted timers (overdue ones fire at once).

        ``publish`` receives the later replies (a timer ending), ``kind="timer"``; ``data_dir``
        picks the filesystem "disk" reports on (``/`` without one); ``clock`` gives epoch seconds.
        Alarms ring through ``publish`` too (``kind="alarm"``), and each ring is kept in the
        history. ``country`` (ISO 3166 code) picks the holiday calendar for countdowns; ``rng``
        flips the coins and rolls the dice. With ``defer_load`` nothing persisted is read until
        :meth:`load` (the app loads once what must hear the overdue ones listens).
        """
        skills = cls(
            timers=TimerSkill(TimerStore(db), publish, clock),
            notes=NotesSkill(db, clock),
            clock=ClockSkill(timezone, clock),
            system=SystemStatusSkill(data_dir or Path("/")),
            devices=DeviceSkill(adapters),
            alarms=AlarmSkill(
                AlarmStore(db),
                publish,
                clock,
                timezone,
                history=History(db),
                settings=alarm_settings,
            ),
            world_clock=WorldClockSkill(timezone, clock),
            countdown=CountdownSkill(timezone, clock, country),
            small_talk=SmallTalkSkill(rng or random.Random(), timezone, clock),
            weather=WeatherSkill(WeatherCache(db), clock),
            home=home,
        )
        if not defer_load:
            await skills.load()
        return skills

    async def load(self) -> None:
        """Schedules the persisted timers and alarms: those overdue are published at once, so
        whoever must hear them subscribes first."""
        await self._timers.load()
        await self._alarms.load()
        # The interpreter looks places up in the gazetteer: read it in a thread, meanwhile.
        self._warming = asyncio.create_task(asyncio.to_thread(interpreter.warm))

    @property
    def timers(self) -> TimerSkill:
        """The timers themselves, for the web console (by id, not by name)."""
        return self._timers

    @property
    def notes(self) -> NotesSkill:
        """Notes and lists themselves, for the web console."""
        return self._notes

    def alarms_now(self) -> list[dict[str, object]]:
        """The alarms, soonest first, for the web console."""
        return self._alarms.snapshot()

    async def close(self) -> None:
        """Cancels and awaits every timer and alarm task; both stay in the database."""
        await self._timers.close()
        await self._alarms.close()
        if self._warming is not None:
            # A thread cannot be cancelled; it ends in a fraction of a second.
            (outcome,) = await asyncio.gather(self._warming, return_exceptions=True)
            if isinstance(outcome, Exception):
                log.warning("interpreter.warm_failed", error=repr(outcome))
        await self.home.close()

    def set_timezone(self, timezone: tzinfo) -> None:
        """Use ``timezone`` from now on (the cloud changed this device's settings)."""
        self._clock.timezone = timezone
        self._alarms.timezone = timezone
        self._alarms.recheck()
        self._world_clock.timezone = timezone
        self._countdown.timezone = timezone
        self._small_talk.timezone = timezone

    async def stop_alarm(self) -> str | None:
        """Silences ringing alarms ("stop"): what to say, or ``None`` when none was ringing."""
        return await self._alarms.stop()

    def configure(self, settings: Mapping[str, object]) -> None:
        """Take what the skills use from the device's settings (the weather's unit)."""
        if self._weather is not None:
            self._weather.configure(settings)

    async def weather_here(self, intent: Intent, cloud_reachable: bool) -> str | None:
        """The weather said from this device's kept forecast, or None: the cloud answers."""
        if self._weather is None:
            return None
        return await self._weather.answer_here(intent.slots, cloud_reachable)

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

    def _bind(self) -> dict[str, Handler]:
        """Each declared intent → its handler, on the skill object that runs it (one line per
        skill module: a module added to :data:`INTENTS` and not here fails the façade's test)."""
        return {
            **bind(clock.INTENTS, self._clock),
            **bind(timers.INTENTS, self._timers),
            **bind(devices.INTENTS, self._devices),
            **bind(system_status.INTENTS, self._system),
            **bind(notes.INTENTS, self._notes),
            **bind(calculator.INTENTS, None),
            # Without a weather skill (tests), the weather is not this façade's to say.
            **(bind(weather.INTENTS, self._weather) if self._weather is not None else {}),
            **bind(alarms.INTENTS, self._alarms),
            **bind(world_clock.INTENTS, self._world_clock),
            **bind(countdown.INTENTS, self._countdown),
            **bind(conversions.INTENTS, None),
            **bind(small_talk.INTENTS, self._small_talk),
            **bind(home.INTENTS, self.home),
        }

    @property
    def runs(self) -> frozenset[str]:
        """The intents this façade can run now: :attr:`HANDLED`, less the weather without its
        skill."""
        return frozenset(self._handlers)

    async def _route(self, name: str, slots: Mapping[str, object], utterance_id: str) -> str:
        handler = self._handlers.get(name)
        if handler is None:
            raise UnhandledIntentError(f"the skills do not handle {name!r}")
        return await said(handler(Asked(name, slots, utterance_id)))

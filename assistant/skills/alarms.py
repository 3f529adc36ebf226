"""Alarms: set for a time of day (once or repeating), listed, cancelled, rung, snoozed, stopped.

Persisted in the edge database, so they survive restarts and ring with no cloud. One scheduler
task sleeps until the next ring (waking at least every ``MAX_SLEEP_S`` to notice wall-clock
jumps, and at once when an alarm changes); each ringing alarm has its own task that repeats the
ring every ``ring_every_s`` until "stop", "snooze" or the ring time-out. A repeating alarm is then
scheduled on its next day, in the device's time zone, DST included (``_alarm_schedule``). One
lock serialises every change, so a ring ending and a user stopping it can never both win.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

import structlog

from assistant import replies_everyday as say
from assistant.history import History, UtteranceRecord
from assistant.skills import _slots
from assistant.skills._alarm_schedule import (
    ScheduleError,
    at,
    first_ring,
    next_ring,
    repeat_days,
    wall_time,
)
from assistant.skills._alarm_store import Alarm, AlarmStore
from assistant.skills.intent_spec import IntentSpec, spec
from assistant.task_owner import TaskOwner
from models import Reply, new_id
from models import intent_names as names

log = structlog.get_logger(__name__)

MAX_SLEEP_S = 30.0
"""The scheduler wakes at least this often (seconds) to notice wall-clock jumps."""
RING_EVERY_S = 8.0
"""Seconds between two rings of an alarm nobody has answered (a tone and its label each)."""
MAX_SNOOZE_MIN = 60


@dataclasses.dataclass(frozen=True, slots=True)
class AlarmSettings:
    snooze_min: int = 10
    """Minutes a plain "snooze" puts the alarm off."""
    ring_s: float = 300.0
    """How long an unanswered alarm rings before it gives up, in seconds."""
    ring_every_s: float = RING_EVERY_S


class AlarmSkill:
    def __init__(
        self,
        store: AlarmStore,
        publish: Callable[[Reply], None],
        clock: Callable[[], float],
        timezone: tzinfo,
        *,
        history: History | None = None,
        settings: AlarmSettings | None = None,
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock
        self.timezone = timezone
        self._history = history
        self._settings = settings or AlarmSettings()
        self._alarms: dict[str, Alarm] = {}
        self._ringing: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._changed = asyncio.Event()
        self._owner = TaskOwner("alarm.task_failed")
        self._zone_of_rings = timezone
        """The zone the stored ``ring_at`` instants were computed in."""

    async def load(self) -> None:
        """Loads persisted alarms and starts the scheduler (overdue ones ring or are reported
        missed at once)."""
        for alarm in await self._store.load():
            self._alarms[alarm.id] = alarm
        self._owner.spawn(self._schedule_loop(), "alarm-scheduler")
        log.info("alarms.loaded", count=len(self._alarms))

    async def close(self) -> None:
        await self._owner.cancel_all()  # rings silenced but not yet ended too
        self._ringing.clear()

    def recheck(self) -> None:
        """Look at the clock again now (it moved, or the time zone changed)."""
        self._changed.set()

    @property
    def ringing(self) -> bool:
        return bool(self._ringing)

    def snapshot(self) -> list[dict[str, object]]:
        """Every alarm, soonest first, as the web console shows it."""
        return [
            {
                "id": alarm.id,
                "time": alarm.time,
                "label": alarm.label,
                "repeat": alarm.repeat,
                "rings_at": alarm.ring_at,
                "snoozed": alarm.snoozed,
                "ringing": alarm.id in self._ringing,
            }
            for alarm in sorted(self._alarms.values(), key=lambda alarm: alarm.ring_at)
        ]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=self.timezone)

    def _local(self, epoch_s: float) -> datetime:
        return datetime.fromtimestamp(epoch_s, tz=self.timezone)

    # --- intents -------------------------------------------------------------------------

    async def set_alarm(self, slots: Mapping[str, object], utterance_id: str | None) -> str:
        said_time, repeat = _slots.text(slots, "time"), _slots.text(slots, "repeat")
        day, label = _slots.text(slots, "date"), _slots.text(slots, "label")
        if said_time is None:
            return say.alarm_need_time()
        try:
            clock_time = wall_time(said_time)
            if repeat is not None:
                repeat_days(repeat.lower())
            now = self._now()
            ring = first_ring(clock_time, day and day.lower(), repeat and repeat.lower(), now)
        except ScheduleError:
            if day and repeat is None and said_time:
                return say.alarm_day_passed(day)
            return say.alarm_need_time()
        async with self._lock:
            key = (clock_time.strftime("%H:%M"), repeat and repeat.lower())
            for other in self._alarms.values():
                same_day = repeat is not None or abs(other.ring_at - ring.timestamp()) < 60
                if (other.time, other.repeat) == key and same_day:
                    return say.alarm_exists(self._local(other.ring_at), now)
            alarm = Alarm(
                id=new_id(),
                time=key[0],
                repeat=key[1],
                label=label.lower() if label else None,
                ring_at=ring.timestamp(),
                snoozed=False,
                utterance_id=utterance_id,
                created_at=now.timestamp(),
            )
            await self._store.insert(alarm)
            self._alarms[alarm.id] = alarm
        self._changed.set()
        log.info("alarm.set", alarm_id=alarm.id, time=alarm.time, repeat=alarm.repeat)
        return say.alarm_set(alarm.label, ring, now, alarm.repeat)

    async def list_alarms(self) -> str:
        async with self._lock:
            entries = self._entries(sorted(self._alarms.values(), key=lambda a: a.ring_at))
        return say.alarms(entries) if entries else say.no_alarms()

    async def cancel(self, slots: Mapping[str, object]) -> str:
        async with self._lock:
            if _slots.flag(slots, "all"):
                return await self._cancel(list(self._alarms.values()))
            said_time = _slots.text(slots, "time")
            if said_time is None and self._ringing:
                return await self._stop_ringing()
            if not self._alarms:
                return say.no_alarms()
            if said_time is not None:
                try:
                    wanted = wall_time(said_time).strftime("%H:%M")
                except ScheduleError:
                    return say.alarm_need_time()
                chosen = [a for a in self._alarms.values() if a.time == wanted]
                if not chosen:
                    at = self._now().replace(hour=int(wanted[:2]), minute=int(wanted[3:]))
                    return say.no_alarm_at(at)
                return await self._cancel(chosen)
            if len(self._alarms) > 1:
                ordered = sorted(self._alarms.values(), key=lambda a: a.ring_at)
                return say.which_alarm(self._entries(ordered))
            return await self._cancel(list(self._alarms.values()))

    async def snooze(self, slots: Mapping[str, object]) -> str:
        minutes = _slots.integer(slots, "minutes") or self._settings.snooze_min
        minutes = max(1, min(minutes, MAX_SNOOZE_MIN))
        async with self._lock:
            if not self._ringing:
                return say.nothing_ringing()
            until = self._clock() + minutes * 60
            for alarm_id in list(self._ringing):
                self._ringing.pop(alarm_id).cancel()
                alarm = self._alarms[alarm_id]
                await self._save(dataclasses.replace(alarm, ring_at=until, snoozed=True))
        self._changed.set()
        log.info("alarm.snoozed", minutes=minutes)
        return say.alarm_snoozed(minutes, self._local(until))

    async def stop(self) -> str | None:
        """Silences every ringing alarm: the sentence to say, or ``None`` when none rang."""
        async with self._lock:
            if not self._ringing:
                return None
            return await self._stop_ringing()

    # --- helpers (callers hold the lock) ---------------------------------------------------

    def _entries(self, alarms: list[Alarm]) -> list[str]:
        now = self._now()
        return [say.alarm_entry(a.label, self._local(a.ring_at), now, a.repeat) for a in alarms]

    async def _cancel(self, alarms: list[Alarm]) -> str:
        if not alarms:
            return say.no_alarms()
        entries = self._entries(alarms)
        await self._store.delete(*(a.id for a in alarms))  # first: a failed delete keeps them
        for alarm in alarms:
            self._alarms.pop(alarm.id, None)
            ring = self._ringing.pop(alarm.id, None)
            if ring is not None:
                ring.cancel()
        self._changed.set()
        log.info("alarms.cancelled", count=len(alarms))
        return (
            say.alarm_cancelled(entries[0])
            if len(alarms) == 1
            else say.alarms_cancelled(len(alarms))
        )

    async def _stop_ringing(self) -> str:
        next_at: datetime | None = None
        for alarm_id in list(self._ringing):
            self._ringing.pop(alarm_id).cancel()
            following = await self._done_ringing(self._alarms[alarm_id])
            if following is not None and (next_at is None or following < next_at):
                next_at = following
        self._changed.set()
        return say.alarm_stopped(next_at, self._now())

    async def _done_ringing(self, alarm: Alarm) -> datetime | None:
        """A repeating alarm moves to its next day (returned); a one-off is deleted."""
        if alarm.repeat is None:
            self._alarms.pop(alarm.id, None)
            await self._store.delete(alarm.id)
            return None
        following = next_ring(wall_time(alarm.time), repeat_days(alarm.repeat), after=self._now())
        await self._save(dataclasses.replace(alarm, ring_at=following.timestamp(), snoozed=False))
        return following

    async def _save(self, alarm: Alarm) -> None:
        await self._store.update(alarm)
        self._alarms[alarm.id] = alarm

    # --- ringing ---------------------------------------------------------------------------

    async def _schedule_loop(self) -> None:
        while True:
            self._changed.clear()
            async with self._lock:
                if self.timezone != self._zone_of_rings:
                    await self._rezone()
                now = self._clock()
                due = [
                    a
                    for a in self._alarms.values()
                    if a.ring_at <= now and a.id not in self._ringing
                ]
                for alarm in due:
                    try:
                        await self._due(alarm, now)
                    except Exception:
                        log.exception("alarm.ring_failed", alarm_id=alarm.id)
                waiting = [
                    a.ring_at - now for a in self._alarms.values() if a.id not in self._ringing
                ]
            wait_s = max(0.0, min([MAX_SLEEP_S, *waiting]))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await self._changed.wait()

    async def _rezone(self) -> None:
        """The device moved to another zone: an alarm for 7:00 rings at 7:00 there, on the same
        local day (a repeating one whose time has passed there moves to its next day); a snooze
        stays the number of minutes it was."""
        old, self._zone_of_rings = self._zone_of_rings, self.timezone
        now = self._now()
        for alarm in list(self._alarms.values()):
            if alarm.snoozed or alarm.id in self._ringing:
                continue
            day = datetime.fromtimestamp(alarm.ring_at, tz=old).date()
            ring = at(day, wall_time(alarm.time), self.timezone)
            if alarm.repeat is not None and ring <= now:
                ring = next_ring(wall_time(alarm.time), repeat_days(alarm.repeat), after=now)
            await self._save(dataclasses.replace(alarm, ring_at=ring.timestamp()))
        log.info("alarms.rezoned", zone=str(self.timezone), count=len(self._alarms))

    async def _due(self, alarm: Alarm, now: float) -> None:
        if now - alarm.ring_at > self._settings.ring_s:
            # The edge was off (or asleep) for the whole ring: say so once, ring no more.
            text = say.alarm_missed(alarm.label, self._local(alarm.ring_at), self._now())
            self._publish(Reply(text, utterance_id=alarm.utterance_id, kind="alarm_missed"))
            await self._record(alarm, text)
            await self._done_ringing(alarm)
            log.info("alarm.missed", alarm_id=alarm.id)
            return
        self._ringing[alarm.id] = self._owner.spawn(self._ring(alarm), f"alarm-{alarm.id}")
        log.info("alarm.ringing", alarm_id=alarm.id)

    async def _ring(self, alarm: Alarm) -> None:
        """Rings until answered or timed out; an unanswered alarm then ends as if stopped."""
        started = self._clock()
        first = True
        while self._clock() - started < self._settings.ring_s:
            text = say.alarm_ringing(alarm.label, self._now())
            self._publish(Reply(text, utterance_id=alarm.utterance_id, kind="alarm"))
            if first:
                await self._record(alarm, text)
                first = False
            await asyncio.sleep(self._settings.ring_every_s)
        async with self._lock:
            if self._ringing.get(alarm.id) is not asyncio.current_task():
                return  # answered meanwhile; whoever answered moved it on
            del self._ringing[alarm.id]
            await self._done_ringing(alarm)
        self._changed.set()
        log.info("alarm.unanswered", alarm_id=alarm.id)

    async def _record(self, alarm: Alarm, text: str) -> None:
        """Each ring shows in ``jarvis history`` as an event of the edge's own."""
        if self._history is None:
            return
        now = self._clock()
        said = f"(alarm {alarm.time}{' ' + alarm.label if alarm.label else ''})"
        await self._history.add(
            UtteranceRecord(
                id=new_id(),
                trace_id=new_id(),
                text=said,
                intent=None,
                slots={},
                handled_by="edge",
                status="done",
                interpret_ms=0.0,
                reply=text,
                handle_ms=0.0,
                created_at=now,
                updated_at=now,
            )
        )


INTENTS: tuple[IntentSpec[AlarmSkill], ...] = (
    spec(
        names.ALARM_SET,
        lambda skill, asked: skill.set_alarm(asked.slots, asked.utterance_id),
        ("time", "date", "repeat", "label"),
    ),
    spec(names.ALARM_LIST, lambda skill, _: skill.list_alarms()),
    spec(names.ALARM_CANCEL, lambda skill, asked: skill.cancel(asked.slots), ("time", "all")),
    spec(names.ALARM_SNOOZE, lambda skill, asked: skill.snooze(asked.slots), ("minutes",)),
)

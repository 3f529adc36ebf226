"""Timers: several at once, named or not, persisted so they survive a restart of the edge.

Each running timer has one task sleeping until its end; the skill owns those tasks and cancels
them in :meth:`TimerSkill.close`. The database row is the truth across restarts; the in-memory
copy is the truth while running. One lock serialises every change, so a timer firing and a user
cancelling it can never both win.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Mapping

import structlog

from assistant import replies
from assistant.skills import _slots
from assistant.skills._timer_store import PAUSED, RUNNING, Timer, TimerStore
from assistant.skills.intent_spec import IntentSpec, spec
from assistant.task_owner import TaskOwner
from models import Reply, new_id
from models import intent_names as names

log = structlog.get_logger(__name__)

MAX_DURATION_S = 24 * 3600.0
"""Longest timer, in seconds; longer waits are reminders, which the cloud keeps."""
MAX_SLEEP_S = 30.0
"""A timer task wakes at least this often (seconds) to notice wall-clock jumps."""
MISSED_AFTER_S = 1.0
"""A timer found this many seconds overdue at start-up ended while the edge was off."""


class TimerSkill:
    def __init__(
        self, store: TimerStore, publish: Callable[[Reply], None], clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._publish = publish
        self._clock = clock
        self._timers: dict[str, Timer] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._owner = TaskOwner("timer.task_failed")  # cancelled ones too, until they are done
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        """Loads persisted timers and schedules the running ones; overdue ones fire at once."""
        now = self._clock()
        for timer in await self._store.load():
            self._timers[timer.id] = timer
            if timer.state == RUNNING:
                missed = timer.ends_at is not None and now - timer.ends_at >= MISSED_AFTER_S
                self._schedule(timer, missed=missed)
        log.info("timers.loaded", count=len(self._timers))

    async def close(self) -> None:
        await self._owner.cancel_all()
        self._tasks.clear()

    def ends_at(self, utterance_id: str) -> float | None:
        """When the running timer started by ``utterance_id`` ends (epoch seconds), if any."""
        for timer in self._timers.values():
            if timer.utterance_id == utterance_id and timer.state == RUNNING:
                return timer.ends_at
        return None

    # --- intents -------------------------------------------------------------------------

    async def start(self, slots: Mapping[str, object], utterance_id: str | None) -> str:
        duration_s = _slots.number(slots, "duration_s")
        if duration_s is None or duration_s <= 0:
            return replies.timer_need_duration()
        if duration_s > MAX_DURATION_S:
            return replies.timer_too_long(MAX_DURATION_S)
        name = _timer_name(slots)
        async with self._lock:
            now = self._clock()
            if name and (same := [t for t in self._timers.values() if t.matches(name)]):
                return replies.timer_name_taken(name, same[0].left_s(now))
            timer = Timer(
                id=new_id(),
                name=name,
                duration_s=float(duration_s),
                state=RUNNING,
                ends_at=now + duration_s,
                remaining_s=None,
                utterance_id=utterance_id,
                created_at=now,
            )
            await self._store.insert(timer)
            self._timers[timer.id] = timer
            self._schedule(timer)
        log.info("timer.started", timer_id=timer.id, name=name, duration_s=duration_s)
        return replies.timer_started(name, duration_s)

    async def cancel(self, slots: Mapping[str, object]) -> str:
        async with self._lock:
            if _slots.flag(slots, "all"):
                return await self._cancel_all()
            picked = self._pick(_timer_name(slots))
            if isinstance(picked, str):
                return picked
            await self._remove(picked)
            return replies.timer_cancelled(picked.label)

    async def pause(self, slots: Mapping[str, object]) -> str:
        async with self._lock:
            name = _timer_name(slots)
            picked = self._pick(name, wanted=lambda t: not t.paused, none=replies.no_running_timers)
            if isinstance(picked, str):
                return picked
            if picked.paused:
                return replies.timer_already_paused(picked.label)
            left = picked.left_s(self._clock())
            paused = dataclasses.replace(picked, state=PAUSED, ends_at=None, remaining_s=left)
            await self._save(paused)
            return replies.timer_paused(paused.label, left)

    async def resume(self, slots: Mapping[str, object]) -> str:
        async with self._lock:
            name = _timer_name(slots)
            picked = self._pick(name, wanted=lambda t: t.paused, none=replies.no_paused_timers)
            if isinstance(picked, str):
                return picked
            if not picked.paused:
                return replies.timer_already_running(picked.label)
            now = self._clock()
            left = picked.left_s(now)
            running = dataclasses.replace(
                picked, state=RUNNING, ends_at=now + left, remaining_s=None
            )
            await self._save(running)
            return replies.timer_resumed(running.label, left)

    async def status(self, slots: Mapping[str, object]) -> str:
        async with self._lock:
            now = self._clock()
            name = _timer_name(slots)
            if name is None and len(self._timers) > 1:
                by_time_left = sorted(self._timers.values(), key=lambda t: t.left_s(now))
                return replies.timers_status(
                    [(t.label, t.left_s(now), t.paused) for t in by_time_left]
                )
            picked = self._pick(name)
            if isinstance(picked, str):
                return picked
            return replies.timer_status(picked.label, picked.left_s(now), picked.paused)

    async def adjust(self, slots: Mapping[str, object]) -> str:
        delta_s = _slots.number(slots, "delta_s")
        if not delta_s:
            return replies.timer_need_delta()
        async with self._lock:
            picked = self._pick(_timer_name(slots))
            if isinstance(picked, str):
                return picked
            now = self._clock()
            left = min(picked.left_s(now) + delta_s, MAX_DURATION_S)
            if left <= 0:
                await self._fire(picked, missed=False)
                return replies.timer_ends_now(picked.label)
            if picked.paused:
                adjusted = dataclasses.replace(picked, remaining_s=left)
            else:
                adjusted = dataclasses.replace(picked, ends_at=now + left)
            await self._save(adjusted)
            return replies.timer_adjusted(adjusted.label, delta_s, left)

    # --- by id, for the console --------------------------------------------------------

    def snapshot(self) -> list[Timer]:
        """Every timer, the soonest to end first (paused ones by what they have left)."""
        now = self._clock()
        return sorted(self._timers.values(), key=lambda t: t.left_s(now))

    async def act(self, timer_id: str, action: str) -> str | None:
        """``pause``, ``resume`` or ``cancel`` the timer ``timer_id``: the sentence a person
        would hear, or None when no timer has that id."""
        async with self._lock:
            timer = self._timers.get(timer_id)
            if timer is None:
                return None
            now = self._clock()
            left = timer.left_s(now)
            if action == "cancel":
                await self._remove(timer)
                return replies.timer_cancelled(timer.label)
            if action == "pause":
                if timer.paused:
                    return replies.timer_already_paused(timer.label)
                await self._save(
                    dataclasses.replace(timer, state=PAUSED, ends_at=None, remaining_s=left)
                )
                return replies.timer_paused(timer.label, left)
            if action == "resume":
                if not timer.paused:
                    return replies.timer_already_running(timer.label)
                await self._save(
                    dataclasses.replace(timer, state=RUNNING, ends_at=now + left, remaining_s=None)
                )
                return replies.timer_resumed(timer.label, left)
            raise ValueError(f"unknown timer action {action!r}")

    # --- helpers (callers hold the lock) ---------------------------------------------------

    def _pick(
        self,
        name: str | None,
        wanted: Callable[[Timer], bool] = lambda _: True,
        none: Callable[[], str] = replies.no_timers,
    ) -> Timer | str:
        """The one timer meant, or the sentence to say instead (none, not found, which one?)."""
        timers = list(self._timers.values())
        if not timers:
            return replies.no_timers()
        if name is not None:
            candidates = [t for t in timers if t.matches(name)]
            if not candidates:
                return replies.no_such_timer(name)
        elif len(timers) == 1:
            candidates = timers
        else:
            candidates = [t for t in timers if wanted(t)]
            if not candidates:
                return none()
        if len(candidates) > 1:
            return replies.which_timer([t.short_label for t in candidates])
        return candidates[0]

    async def _cancel_all(self) -> str:
        timers = list(self._timers.values())
        if not timers:
            return replies.no_timers()
        await self._store.delete(*(t.id for t in timers))
        for timer in timers:
            self._forget(timer.id)
        log.info("timers.cancelled_all", count=len(timers))
        if len(timers) == 1:
            return replies.timer_cancelled(timers[0].label)
        return replies.timers_cancelled(len(timers))

    async def _save(self, timer: Timer) -> None:
        await self._store.update(timer)
        self._timers[timer.id] = timer
        if timer.state == RUNNING:
            self._schedule(timer)
        else:
            self._unschedule(timer.id)

    async def _remove(self, timer: Timer) -> None:
        await self._store.delete(timer.id)  # first, so a failed delete leaves it running
        self._forget(timer.id)
        log.info("timer.cancelled", timer_id=timer.id)

    def _forget(self, timer_id: str) -> None:
        self._unschedule(timer_id)
        self._timers.pop(timer_id, None)

    async def _fire(self, timer: Timer, *, missed: bool) -> None:
        now = self._clock()
        if missed and timer.ends_at is not None:
            late_s = now - timer.ends_at
            text = replies.timer_done_while_off(timer.name, timer.duration_s, late_s)
        else:
            text = replies.timer_done(timer.name, timer.duration_s)
        self._publish(Reply(text, utterance_id=timer.utterance_id, kind="timer"))
        # Forgotten before the delete: a timer that has fired must not linger here even if the
        # delete fails; its row would then fire once more after a restart, never zero times.
        self._forget(timer.id)
        await self._store.delete(timer.id)
        log.info("timer.done", timer_id=timer.id, missed=missed)

    def _schedule(self, timer: Timer, *, missed: bool = False) -> None:
        self._unschedule(timer.id)
        self._tasks[timer.id] = self._owner.spawn(self._run(timer.id, missed), f"timer-{timer.id}")

    def _unschedule(self, timer_id: str) -> None:
        task = self._tasks.pop(timer_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _run(self, timer_id: str, missed: bool) -> None:
        """Sleeps until the timer ends (re-checking the wall clock on each wake), then fires it."""
        while (timer := self._timers.get(timer_id)) is not None and timer.ends_at is not None:
            left = timer.ends_at - self._clock()
            if left <= 0:
                break
            await asyncio.sleep(min(left, MAX_SLEEP_S))
        async with self._lock:
            timer = self._timers.get(timer_id)
            if timer is None or timer.ends_at is None or timer.ends_at > self._clock():
                return  # changed while this task waited; whoever changed it rescheduled it
            try:
                await self._fire(timer, missed=missed)
            except Exception:
                log.exception("timer.fire_failed", timer_id=timer_id)


def _timer_name(slots: Mapping[str, object]) -> str | None:
    return _slots.spoken_name(slots, "name", noun="timer")


INTENTS: tuple[IntentSpec[TimerSkill], ...] = (
    spec(
        names.TIMER_START,
        lambda skill, asked: skill.start(asked.slots, asked.utterance_id),
        ("duration_s", "name"),
    ),
    spec(names.TIMER_CANCEL, lambda skill, asked: skill.cancel(asked.slots), ("name", "all")),
    spec(names.TIMER_PAUSE, lambda skill, asked: skill.pause(asked.slots), ("name",)),
    spec(names.TIMER_RESUME, lambda skill, asked: skill.resume(asked.slots), ("name",)),
    spec(names.TIMER_STATUS, lambda skill, asked: skill.status(asked.slots), ("name",)),
    spec(names.TIMER_ADJUST, lambda skill, asked: skill.adjust(asked.slots), ("delta_s", "name")),
)

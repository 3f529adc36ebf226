"""Requests from edges, the hot path: plan, answer, store in shared statements, then ack.

What planning needs (the device's settings, the device names) comes from the instance's
``DeviceDirectory``, without a round trip. Planning runs in each request's own task, so a slow
planner (a language model) holds up only its own request. A plain answer is sent on the asking
link as soon as it is planned; then one statement, shared with every other answer in flight,
stores the message ids, the replies in the outboxes and the trace events, committed without
waiting for the disk; then one durable commit, shared again, puts all of them on disk, and only
then are the requests acked. So a thousand edges asking at once cost a few dozen commits, not a
thousand, and nothing an edge was told is lost: until the ack it keeps the request and sends it
again, and the answer made anew carries the same id, which it drops as a duplicate.

Actions with effects (reminders, missions, commands for other devices) take the careful path:
their own durable transaction before any reply, exactly as ``cloud.capabilities.carry_out`` stores
them; they
are rarer and slower anyway.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from cloud.capabilities import carry_out as skills
from cloud.capabilities.answer import Answer
from cloud.capabilities.planners import RulePlanner
from cloud.capabilities.weather import NO_WEATHER_TEXT
from cloud.errors import NotFoundError
from cloud.planning.planner import Action, PlanContext, Planner
from cloud.planning.second_chance import (
    SecondChance,
    SendBack,
    intents_of_device,
    reconsider,
    send_back,
)
from cloud.requests.batching import Batches
from cloud.store import device_config, outbox
from cloud.store import requests as stored_requests
from cloud.store.database import ACQUIRE_TIMEOUT_S
from cloud.store.device_directory import DeviceDirectory
from cloud.store.requests import AnswerRow, mark_processed
from cloud.weather.plans import Weather
from cloud.weather.service import WeatherService
from models import Envelope, Reply, Utterance, derived_id, messages
from models.limits import check_utterance
from models.messages import MessageType, RequestBody

log = structlog.get_logger(__name__)

MAX_BATCH = 256
"""Requests per round trip at most (the statement's arrays stay small; a batch stays quick)."""
WRITE_WORKERS = 2
"""Writes overlap: while one batch's statement is in the database, the next can be sent."""


SendEarly = Callable[[Envelope, str], Awaitable[None]]
"""Sends a reply (the envelope, and its ``encode()``) before it is stored."""


@dataclass(frozen=True, slots=True)
class Handled:
    """What became of a request. Ack it only after ``RequestBatches.settled(handled)``."""

    fresh: bool
    """False when its message id was handled before: nothing ran again."""
    holder: str | None
    """The cloud instance holding the asking device's link when the reply was stored."""
    reply: Envelope | None
    """A reply this request stored and that was not sent early: the holder of the device's
    link should send what waits in its outbox."""
    durable: bool
    """Whether what was stored is on disk already. A plain answer is committed without waiting
    for the disk, so its reply goes out a flush sooner; ``settled`` waits for the flush."""


_DUPLICATE = Handled(fresh=False, holder=None, reply=None, durable=False)
"""Its message id was handled before: nothing ran again, nothing to send."""


@dataclass(frozen=True, slots=True)
class _Stored:
    fresh: bool
    holder: str | None


def said_at(utterance: Utterance, now: datetime, clock_offset_s: float | None) -> datetime:
    """When ``utterance`` was said, on the cloud's clock, in ``now``'s zone: its ``ts`` (the
    edge's clock) moved by the offset measured on its link; ``now`` when either is unknown.
    Never later than ``now``: what was said cannot come from the future, only a clock read
    imprecisely by the network's delay."""
    if clock_offset_s is None or utterance.ts <= 0:
        return now
    try:
        said = datetime.fromtimestamp(utterance.ts + clock_offset_s, now.tzinfo)
    except (OverflowError, OSError, ValueError):
        return now  # a time no calendar holds: the edge's clock is of no use
    return min(said, now)


class RequestBatches:
    """Handles requests for one cloud instance; ``run`` owns its batch workers."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        planner: Callable[[], Planner],
        instance_id: str,
        directory: DeviceDirectory,
        weather: Callable[[], WeatherService | None] = lambda: None,
        second_chance: Callable[[], SecondChance | None] = lambda: None,
    ) -> None:
        self._pool = pool
        self._second_chance = second_chance
        """Understands again what the planner could not do (None: turned off)."""
        self._weather = weather
        """The weather service in use, once the instance has set it up (None: no weather)."""
        self._directory = directory
        self._planner = planner
        """The planner in use (it may be set up after this object, with the HTTP client a
        language model needs)."""
        self._instance_id = instance_id
        self._held: list[asyncpg.Connection] = []
        """Connections the workers keep between batches (a pool round trip costs more than a
        small batch's own work), never more than a third of the pool: the rest of the instance
        needs connections too."""
        self._keep = min(WRITE_WORKERS + 1, pool.get_max_size() // 3)
        self._writes: Batches[AnswerRow, _Stored] = Batches(
            "answer writes", self._write, max_batch=MAX_BATCH, workers=WRITE_WORKERS
        )
        self._flushes: Batches[None, None] = Batches(
            "flush barriers", self._barrier, max_batch=100_000, workers=1
        )

    @property
    def batches(self) -> tuple[Batches[Any, Any], ...]:
        """What the owner must ``run`` for as long as requests come in."""
        return (self._writes, self._flushes)

    async def handle(
        self,
        device_id: str,
        envelope: Envelope,
        *,
        send_early: SendEarly | None = None,
        clock_offset_s: float | None = None,
        may_send_back: bool = True,
    ) -> Handled:
        """Plan the request, then store its effects and its reply with its message id.

        The reply lands in ``device_id``'s outbox. DecodeError when the body holds no valid
        ``utterance``; NotFoundError for a device that is not enrolled. Both transports use it:
        the WebSocket ``request`` and ``POST /v1/requests``.

        ``send_early``: for a plain answer, called with the reply as soon as it is planned,
        before it is stored. An answer depends on nothing but the request, its id is derived
        from the request's, and the request is acked only once stored and on disk, so an edge
        never loses it and never hears it twice: should the store fail, the edge sends the
        request again and drops the reply made anew as a duplicate.

        ``clock_offset_s`` (the cloud's clock minus the asking edge's, see ``cloud.link.registry``):
        with it, the request is planned at the moment it was said, not the moment it arrived,
        so "in 10 minutes" means ten minutes after the words, however long the request waited
        in the edge's outbox for the cloud. Without it (plain HTTP), at its arrival.

        ``may_send_back``: whether the asker can receive a ``device_intent`` (the cloud's second
        chance); a client polling for its reply over plain HTTP cannot.
        """
        utterance = check_utterance(
            messages.body_of(envelope, RequestBody).utterance, "body.utterance"
        )
        settings = await self._directory.settings_of(device_id)
        if settings is None:
            raise NotFoundError(f"No device {device_id!r}.")
        now = said_at(utterance, datetime.now(device_config.zone_of(settings)), clock_offset_s)
        context = PlanContext(now, await self._directory.names())
        planner = self._planner()
        if not isinstance(planner, RulePlanner) and await stored_requests.seen(
            self._pool, envelope.id
        ):
            # Other planners may cost a model call: a duplicate is not planned again. The rules
            # cost microseconds and change nothing, so a duplicate is planned and found out
            # when stored, and the common case saves a round trip.
            log.info("duplicate request", message_id=envelope.id)
            return _DUPLICATE
        action = await self._plan(
            planner, utterance, context, device_id, settings, may_send_back=may_send_back
        )
        log.info("request planned", action=type(action).__name__, utterance_id=utterance.id)
        if isinstance(action, Answer):
            return await self._answer(action, envelope, device_id, utterance, send_early)
        return await self._carry_out(action, envelope, device_id, utterance)

    async def _plan(
        self,
        planner: Planner,
        utterance: Utterance,
        context: PlanContext,
        device_id: str,
        settings: Mapping[str, Any],
        *,
        may_send_back: bool,
    ) -> Action | SendBack:
        """The planner's action, with the weather said and the second chance taken."""
        planned = await planner.plan(utterance, context)
        if isinstance(planned, Weather):
            # Said now, from the provider or the kept forecast: then an answer like any other.
            return await self._say_weather(planned, device_id, settings, context.now)
        if may_send_back and isinstance(planned, Answer) and planned.unknown:
            # Nothing the cloud does itself: perhaps one of the device's own intents after all.
            return (
                await reconsider(
                    self._second_chance(),
                    utterance.text,
                    lambda: intents_of_device(self._pool, device_id),
                    utterance.words_doubted,
                )
                or planned
            )
        return planned

    async def _carry_out(
        self, action: Action | SendBack, envelope: Envelope, device_id: str, utterance: Utterance
    ) -> Handled:
        """The careful path: the action's effects and reply in their own durable transaction."""
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            if not await mark_processed(conn, envelope, device_id):
                log.info("duplicate request", message_id=envelope.id)
                return _DUPLICATE
            if isinstance(action, SendBack):
                await send_back(
                    conn,
                    action,
                    device_id=device_id,
                    utterance=utterance,
                    trace_id=envelope.trace_id,
                    message_id=envelope.id,
                )
            else:
                await skills.carry_out(
                    conn,
                    action,
                    device_id=device_id,
                    utterance=utterance,
                    trace_id=envelope.trace_id,
                    message_id=envelope.id,
                )
        return Handled(fresh=True, holder=None, reply=None, durable=True)

    async def _answer(
        self,
        action: Answer,
        envelope: Envelope,
        device_id: str,
        utterance: Utterance,
        send_early: SendEarly | None,
    ) -> Handled:
        """A plain answer: sent early when it can be, stored in the shared statement."""
        reply = Reply(text=action.text, utterance_id=utterance.id, kind="reply")
        # Its id comes from the request's: should a crash lose the commit after the reply went
        # out, the edge sends the request again and drops the answer made anew as a duplicate.
        queued = outbox.fitted(
            messages.envelope(
                reply, id=derived_id(envelope.id, MessageType.REPLY), trace_id=envelope.trace_id
            )
        )
        row = AnswerRow(
            message_id=envelope.id,
            device_id=device_id,
            trace_id=envelope.trace_id,
            request_body=json.dumps(envelope.body),
            utterance_id=utterance.id,
            text=action.text,
            queued_id=queued.id,
            queued_json=queued.encode(),
        )
        write = self._writes.enqueue(row)
        sent = False
        if send_early is not None:
            # A link gone meanwhile leaves the reply to the outbox, like any other.
            with contextlib.suppress(ConnectionResetError, TimeoutError):
                await send_early(queued, row.queued_json)
                sent = True
        stored = await write
        if not stored.fresh:
            log.info("duplicate request", message_id=envelope.id)
        reply_left = queued if stored.fresh and not sent else None
        return Handled(stored.fresh, stored.holder, reply_left, durable=False)

    async def _say_weather(
        self, action: Weather, device_id: str, settings: Mapping[str, Any], now: datetime
    ) -> Answer:
        service = self._weather()
        if service is None:
            return Answer(NO_WEATHER_TEXT)
        return Answer(await service.answer(action, device_id, settings, now))

    async def settled(self, handled: Handled) -> None:
        """Return once what ``handled`` stored is on disk: then, and only then, may the request
        be acked (until the ack the edge keeps it, and sends it again should the cloud fail).
        For a duplicate too: the first copy's commit may still be on its way to the disk."""
        if not handled.durable:
            await self._flushes.submit(None)

    async def release(self) -> None:
        """Give the held connections back to the pool (before it closes)."""
        while self._held:
            await self._pool.release(self._held.pop())

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        held = self._held.pop() if self._held else None
        conn = held or await self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S)
        try:
            yield conn
        except BaseException:
            # Broken, or cancelled mid-statement: the pool resets it or drops it.
            await self._pool.release(conn)
            raise
        if conn.is_closed() or len(self._held) >= self._keep:
            await self._pool.release(conn)
        else:
            self._held.append(conn)

    async def _barrier(self, waiting: Sequence[None]) -> list[None]:
        """One durable commit for everyone waiting: each waiter's own commit came before it."""
        async with self._connection() as conn:
            await stored_requests.flush_barrier(conn)
        return [None] * len(waiting)

    async def _write(self, rows: Sequence[AnswerRow]) -> list[_Stored | Exception]:
        """Store the batch in one statement; should the database refuse it (one row it cannot
        take, a deadlock), each row is tried alone, so only a row at fault fails."""
        try:
            return list(await self._write_together(rows))
        except asyncpg.PostgresError as error:
            if len(rows) == 1:
                raise
            log.warning("answer batch refused; storing one by one", error=str(error))
        outcomes: list[_Stored | Exception] = []
        for row in rows:
            try:
                outcomes += await self._write_together([row])
            except asyncpg.PostgresError as error:
                outcomes.append(error)
        return outcomes

    async def _write_together(self, rows: Sequence[AnswerRow]) -> list[_Stored]:
        # A message sent twice in one batch goes in once; the copy is a duplicate.
        first: dict[str, AnswerRow] = {}
        for row in rows:
            first.setdefault(row.message_id, row)
        async with self._connection() as conn:
            written = await stored_requests.write_answers(
                conn, list(first.values()), instance_id=self._instance_id
            )
        return [
            _Stored(
                fresh=row.message_id in written.fresh and first[row.message_id] is row,
                holder=written.holders.get(row.device_id),
            )
            for row in rows
        ]

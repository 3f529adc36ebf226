"""One utterance in, one reply out: interpret locally, run a skill, or forward to the cloud."""

from __future__ import annotations

import asyncio
import time
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from assistant import replies
from assistant.cloud_link import CloudLink, NoCloudLink
from assistant.errors import CloudUnavailableError
from assistant.events import ReplyBus
from assistant.history import History, Status, UtteranceRecord
from assistant.interpreter import interpret
from assistant.interpreter.extractors import Filled, answer, fill, question
from assistant.skills import Skills
from assistant.skills.phrases import PhraseSkill
from assistant.skills.weather import INTENTS as WEATHER_INTENTS
from assistant.understander import APP_INTENTS, Understander, Understood
from jarvis.logs import traced
from jarvis.tasks import cancel_and_wait
from models import Intent, Reply, TaughtPhrase, Utterance, new_id
from models.device_intents import DeviceIntent

log = structlog.get_logger(__name__)

WORKING_ON_IT_S = 1.0
"""A forwarded request still unanswered after this long gets a short "working on it"."""
CONFIRMATION_WINDOW_S = 60.0
"""After a cloud reply that awaits a yes or no, how long the answer goes to the cloud."""
CONFIRMATION_INTENTS = frozenset({"assistant.confirm", "assistant.deny"})
SLOT_ANSWER_WINDOW_S = 30.0
"""After "Add what to your shopping list?", how long the next words are taken as the answer."""
HOME_CONVERSATION = "home.conversation"
"""Recorded for a request Home Assistant's own conversation agent answered."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is talking: this device and this run of the edge."""

    device_id: str
    session_id: str
    device_name: str = "device"


class Conversation:
    """Turns text into replies. Owns the "working on it" tasks; `close()` cancels them."""

    def __init__(
        self,
        *,
        identity: Identity,
        skills: Skills,
        history: History,
        bus: ReplyBus,
        cloud: CloudLink,
        phrases: PhraseSkill | None = None,
        clock: Callable[[], float] = time.monotonic,
        understander: Understander | None = None,
    ) -> None:
        """``clock`` (seconds, monotonic) times the confirmation window; without ``phrases``
        nothing can be taught (an edge with no database for them); ``understander`` (templates
        only by default) turns text into intents."""
        self._identity = identity
        self._skills = skills
        self._phrases = phrases
        self._history = history
        self._bus = bus
        self.cloud = cloud
        self._waiting: dict[str, asyncio.Task[Any]] = {}
        self._last_reply: str | None = None
        self._clock = clock
        self._confirm_until: float | None = None
        """While the clock is before this, a yes or no answers the cloud, not this edge."""
        self._understander = understander or Understander(Skills.HANDLED | APP_INTENTS)
        self._asked: tuple[Filled, float] | None = None
        """The intent waiting for a slot the user was asked for, and until when."""

    async def submit(self, text: str, trace_id: str | None = None) -> UtteranceRecord:
        """Handle ``text``: the record is ``done`` for local intents, ``pending`` otherwise."""
        utterance = Utterance(
            id=new_id(),
            text=text,
            trace_id=trace_id or new_id(),
            device_id=self._identity.device_id,
            session_id=self._identity.session_id,
            ts=time.time(),
        )
        with traced(trace_id=utterance.trace_id):
            return await self._submit(utterance)

    async def _submit(self, utterance: Utterance) -> UtteranceRecord:
        started = time.perf_counter()
        home = self._skills.home
        understood = (
            self._taught(utterance.text)
            or self._answer_to_question(utterance.text)
            # An answer to "the ceiling light or the counter light?" completes its command.
            or self._answer_to_the_house(utterance.text)
            or await self._understander.understand(utterance.text, home=home.vocabulary())
        )
        intent = understood.intent
        interpret_ms = (time.perf_counter() - started) * 1000
        if intent is None and home.mentions_the_house(utterance.text):
            return await self._ask_the_house(utterance, interpret_ms)
        to_cloud = intent is None or self._answers_the_cloud(intent)
        said_here: str | None = None
        if intent is not None and not to_cloud and intent.name in WEATHER_INTENTS:
            # The cloud's forecast, kept here: said at once while fresh, else the cloud says it.
            said_here = await self._skills.weather_here(intent, self.cloud.is_connected())
            to_cloud = said_here is None
        record = UtteranceRecord(
            id=utterance.id,
            trace_id=utterance.trace_id,
            text=utterance.text,
            intent=intent.name if intent else None,
            slots=dict(intent.slots) if intent else {},
            handled_by="cloud" if to_cloud else "edge",
            status="pending",
            interpret_ms=interpret_ms,
            created_at=utterance.ts,
        )
        await self._history.add(record)
        log.info(
            "utterance.received",
            utterance_id=utterance.id,
            intent=record.intent,
            handled_by=record.handled_by,
            interpret_ms=round(interpret_ms, 3),
            tier=understood.tier,
            confidence=understood.confidence,
        )
        if intent is None or to_cloud:
            return await self._forward(utterance, record)
        if understood.missing is not None:
            # Asked, not guessed: the next words are taken as the missing slot.
            self._asked = (understood.missing, self._clock() + SLOT_ANSWER_WINDOW_S)
            return await self._finish(record, status="done", reply=question(understood.missing))
        reply = said_here or await self._run_locally(intent, utterance.id)
        return await self._finish(record, status="done", reply=reply)

    def _taught(self, text: str) -> Understood | None:
        """What the user taught comes first: a taught phrase is theirs to define."""
        taught = self._phrases.match(text) if self._phrases else None
        if taught is None:
            return None
        return Understood(Intent("phrase.run", {"phrase": taught.phrase}), "taught", 1.0)

    def _answer_to_the_house(self, text: str) -> Understood | None:
        found = self._skills.home.answer(text)
        return None if found is None else Understood(found, "template", 1.0)

    def _answer_to_question(self, text: str) -> Understood | None:
        """The asked-for intent completed by ``text``, when the edge just asked for a slot.

        A command the templates know ("never mind", "what time is it") is not an answer: it
        drops the question and runs as itself."""
        if self._asked is None:
            return None
        filled, until = self._asked
        self._asked = None
        if self._clock() >= until or interpret(text) is not None:
            return None
        completed = answer(filled, text)
        if completed is None:
            return None
        return Understood(completed, "model", 1.0)

    async def _ask_the_house(self, utterance: Utterance, interpret_ms: float) -> UtteranceRecord:
        """A house request Jarvis did not understand goes to Home Assistant's own conversation
        agent; what it does not understand either goes on to the cloud."""
        said = await self._skills.home.converse(utterance.text)
        record = UtteranceRecord(
            id=utterance.id,
            trace_id=utterance.trace_id,
            text=utterance.text,
            intent=HOME_CONVERSATION if said is not None else None,
            slots={},
            handled_by="edge" if said is not None else "cloud",
            status="pending",
            interpret_ms=interpret_ms,
            created_at=utterance.ts,
        )
        await self._history.add(record)
        log.info("utterance.received", utterance_id=utterance.id, intent=record.intent)
        if said is None:
            return await self._forward(utterance, record)
        return await self._finish(record, status="done", reply=said)

    def _answers_the_cloud(self, intent: Intent) -> bool:
        """A yes or no while the cloud waits for one goes there (once), not to "nothing to
        confirm"."""
        if intent.name not in CONFIRMATION_INTENTS or self._confirm_until is None:
            return False
        awaited = self._clock() < self._confirm_until
        self._confirm_until = None
        return awaited

    async def _run_locally(self, intent: Intent, utterance_id: str) -> str:
        match intent.name:
            case "assistant.repeat":
                return self._last_reply or replies.nothing_to_repeat()
            case "assistant.stop":
                # "Stop" while an alarm rings silences it.
                return await self._skills.stop_alarm() or replies.stopped()
            case "assistant.confirm" | "assistant.deny":
                return replies.nothing_to_confirm()
            case "phrase.run" | "phrase.teach" | "phrase.forget" | "phrase.list":
                return await self._phrase(intent, utterance_id)
        return await self._skills.handle(intent, utterance_id)

    async def _phrase(self, intent: Intent, utterance_id: str) -> str:
        if self._phrases is None:
            return replies.phrases_unavailable()
        if intent.name != "phrase.run":
            return await self._phrases.handle(intent)
        taught = self._phrases.match(str(intent.slots.get("phrase", "")))
        if taught is None:
            # Forgotten (a push from the cloud) between understanding and running it.
            return replies.phrase_unknown(str(intent.slots.get("phrase", "")))
        # In order, each as if said on its own: "pause the music and set the volume to 20".
        said = [await self._run_locally(each, utterance_id) for each in taught.intents]
        return " ".join(said)

    async def _forward(self, utterance: Utterance, record: UtteranceRecord) -> UtteranceRecord:
        try:
            await self.cloud.forward(utterance)
        except CloudUnavailableError as error:
            log.warning("utterance.forward_failed", utterance_id=utterance.id, reason=str(error))
            # Answered after the 202 is returned, like any cloud reply, so listeners see one flow.
            reason = str(error)
            failing = self._finish(
                record, status="failed", reply=replies.cloud_failed(reason), error=reason
            )
            self._own(record.id, asyncio.create_task(failing))
            return record
        self._own(record.id, asyncio.create_task(self._say_working_on_it(record.id)))
        return record

    def _own(self, utterance_id: str, task: asyncio.Task[Any]) -> None:
        self._waiting[utterance_id] = task
        task.add_done_callback(lambda _: self._waiting.pop(utterance_id, None))

    async def _say_working_on_it(self, utterance_id: str) -> None:
        await asyncio.sleep(WORKING_ON_IT_S)
        text = replies.working_on_it() if self.cloud.is_connected() else replies.waiting_for_cloud()
        self._bus.publish(Reply(text=text, utterance_id=utterance_id, kind="progress"))

    async def _finish(
        self,
        record: UtteranceRecord,
        *,
        status: Status,
        reply: str,
        error: str | None = None,
        follow_up_at: float | None = None,
    ) -> UtteranceRecord:
        done = await self._history.finish(
            record, status=status, reply=reply, error=error, follow_up_at=follow_up_at
        )
        # "say that again" repeats what was said before, not itself.
        if record.intent != "assistant.repeat":
            self._last_reply = reply
        self._bus.publish(
            Reply(text=reply, utterance_id=record.id, kind="reply", follow_up_at=follow_up_at)
        )
        log.info("utterance.answered", utterance_id=record.id, status=done.status)
        return done

    # --- what the cloud sends (assistant.edge_link.LinkHandler) ---------------------------

    async def on_reply(self, reply: Reply) -> None:
        """A reply from the cloud: it answers a pending utterance, or it is news (a reminder).
        One that awaits a confirmation sends the next yes or no to the cloud."""
        if reply.awaiting_confirmation:
            self._confirm_until = self._clock() + CONFIRMATION_WINDOW_S
            log.info("utterance.awaiting_confirmation", window_s=CONFIRMATION_WINDOW_S)
        record = await self._history.get(reply.utterance_id) if reply.utterance_id else None
        if reply.kind == "cancelled" and record is not None:
            await self._cancelled(record, reply)
            return
        if reply.kind != "reply" or record is None:
            self._last_reply = reply.text
            self._bus.publish(reply)
            return
        if record.status != "pending":
            # News about it, not a copy (copies never get here: the link drops them by id): a
            # mission queued with "I'll start it as soon as one connects" ends much later.
            log.info("utterance.follow_up", utterance_id=record.id)
            self._last_reply = reply.text
            self._bus.publish(reply)
            return
        waiting = self._waiting.pop(record.id, None)
        if waiting:
            waiting.cancel()
        await self._finish(record, status="done", reply=reply.text, follow_up_at=reply.follow_up_at)

    async def _cancelled(self, record: UtteranceRecord, reply: Reply) -> None:
        """The request was stopped (by its asker, or the admin): marked cancelled, its text
        (the admin's cancel told to the asker; empty when the asker cancelled it and heard so on
        that utterance) published as the event that ends it."""
        waiting = self._waiting.pop(record.id, None)
        if waiting:
            waiting.cancel()
        text = reply.text or record.reply or ""
        await self._history.finish(record, status="cancelled", reply=text, error="cancelled")
        if reply.text:
            self._last_reply = reply.text
        self._bus.publish(reply)
        log.info("utterance.cancelled", utterance_id=record.id)

    async def on_refused(self, utterance_id: str, reason: str) -> None:
        """The cloud refused the forwarded request for good: the utterance fails, said aloud."""
        record = await self._history.get(utterance_id)
        if record is None or record.status != "pending":
            return
        waiting = self._waiting.pop(record.id, None)
        if waiting:
            waiting.cancel()
        reply = replies.cloud_failed("the cloud brain refused the request")
        await self._finish(record, status="failed", reply=reply, error=reason)

    async def on_device_intent(self, sent: DeviceIntent) -> None:
        """The cloud's second chance found one of this edge's intents in a forwarded request:
        run it as if understood here, its slots from this edge's own extractors (a missing one
        is asked for), and answer the pending utterance. It stays ``handled_by`` "cloud"."""
        record = await self._history.get(sent.utterance_id)
        if record is None or record.status != "pending":
            # Answered meanwhile (a copy of this message never gets here: the link drops it).
            log.info("device_intent.not_pending", utterance_id=sent.utterance_id)
            return
        waiting = self._waiting.pop(record.id, None)
        if waiting:
            waiting.cancel()
        # The edge checks too: only an intent its skills run, never the conversation's own.
        runs_here = sent.intent in self._understander.handled and sent.intent not in APP_INTENTS
        filled = fill(sent.intent, sent.text) if runs_here else None
        log.info(
            "device_intent.received",
            utterance_id=record.id,
            intent=sent.intent,
            confidence=sent.confidence,
            runs_here=filled is not None,
        )
        if filled is None:
            reply = replies.not_a_local_command(self._identity.device_name)
            await self._finish(record, status="done", reply=reply)
            return
        record = await self._history.understood(record, filled.intent)
        if filled.missing is not None:
            self._asked = (filled, self._clock() + SLOT_ANSWER_WINDOW_S)
            await self._finish(record, status="done", reply=question(filled))
            return
        reply = await self._run_locally(filled.intent, record.id)
        await self._finish(record, status="done", reply=reply)

    async def on_command(self, text: str) -> str:
        """Another device asked for ``text`` to run here; the reply goes back to it."""
        intent = interpret(text, home=self._skills.home.vocabulary())
        if intent is None:
            return replies.not_a_local_command(self._identity.device_name)
        record = UtteranceRecord(
            id=new_id(),
            trace_id=new_id(),
            text=text,
            intent=intent.name,
            slots=dict(intent.slots),
            handled_by="edge",
            status="pending",
            interpret_ms=0.0,
        )
        await self._history.add(record)
        reply = await self._run_locally(intent, record.id)
        await self._history.finish(record, status="done", reply=reply)
        return reply

    async def on_phrases(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        if self._phrases is not None:
            await self._phrases.replace_all(phrases)
            log.info("phrases.updated", count=len(phrases))

    @property
    def phrases(self) -> PhraseSkill | None:
        """Teaching and forgetting phrases directly (the HTTP API), not by a sentence."""
        return self._phrases

    async def on_config(self, settings: Mapping[str, Any]) -> None:
        await self._skills.home.apply_settings(settings)
        self._skills.configure(settings)
        timezone = settings.get("timezone")
        if not isinstance(timezone, str):
            return
        try:
            self._skills.set_timezone(zoneinfo.ZoneInfo(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("config.bad_timezone", timezone=timezone)

    # --- reading --------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "device_id": self._identity.device_id,
            "device_name": self._identity.device_name,
            "cloud": {
                "configured": not isinstance(self.cloud, NoCloudLink),
                "connected": self.cloud.is_connected(),
                "problem": self.cloud.problem(),
            },
            "home_assistant": self._skills.home.status(),
        }

    async def lookup(self, utterance_id: str) -> UtteranceRecord | None:
        return await self._history.get(utterance_id)

    async def describe(self, record: UtteranceRecord) -> dict[str, Any]:
        """The record as the API shows it, with when a later event for it is due (a timer)."""
        view = record.view()
        timer_ends_at = await self._skills.follow_up_at(record.id)
        if timer_ends_at is not None:
            view["follow_up_at"] = timer_ends_at
        return view

    async def close(self) -> None:
        await cancel_and_wait(*self._waiting.values())

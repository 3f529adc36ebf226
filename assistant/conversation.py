"""One utterance in, one reply out: interpret locally, run a skill, or forward to the cloud."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import structlog

from assistant import replies
from assistant.cloud_link import CloudLink
from assistant.errors import CloudUnavailableError
from assistant.events import ReplyBus
from assistant.history import History, UtteranceRecord
from assistant.interpreter import interpret
from assistant.skills import Skills
from jarvis.logs import traced
from models import Intent, Reply, Utterance, new_id

log = structlog.get_logger(__name__)

CLOUD_TIMEOUT_S = 30.0
"""How long a forwarded request may take before the edge gives up on it."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is talking: this device and this run of the edge."""

    device_id: str
    session_id: str


class Conversation:
    """Owns the forwarded requests still in flight; `close()` cancels and awaits them."""

    def __init__(
        self,
        *,
        identity: Identity,
        skills: Skills,
        history: History,
        bus: ReplyBus,
        cloud: CloudLink,
    ) -> None:
        self._identity = identity
        self._skills = skills
        self._history = history
        self._bus = bus
        self._cloud = cloud
        self._in_flight: set[asyncio.Task[None]] = set()
        self._last_reply: str | None = None

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
        with traced(
            trace_id=utterance.trace_id,
            device_id=self._identity.device_id,
            session_id=self._identity.session_id,
        ):
            return await self._submit(utterance)

    async def _submit(self, utterance: Utterance) -> UtteranceRecord:
        started = time.perf_counter()
        intent = interpret(utterance.text)
        interpret_ms = (time.perf_counter() - started) * 1000
        record = UtteranceRecord(
            id=utterance.id,
            trace_id=utterance.trace_id,
            text=utterance.text,
            intent=intent.name if intent else None,
            slots=dict(intent.slots) if intent else {},
            handled_by="edge" if intent else "cloud",
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
        )
        if intent is None:
            task = asyncio.create_task(self._forward(utterance, record))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            return record
        reply = await self._run_locally(intent, utterance.id)
        return await self._finish(record, status="done", reply=reply)

    async def _run_locally(self, intent: Intent, utterance_id: str) -> str:
        match intent.name:
            case "assistant.repeat":
                return self._last_reply or replies.nothing_to_repeat()
            case "assistant.stop":
                return replies.stopped()
            case "assistant.confirm" | "assistant.deny":
                return replies.nothing_to_confirm()
        return await self._skills.handle(intent, utterance_id)

    async def _forward(self, utterance: Utterance, record: UtteranceRecord) -> None:
        with traced(
            trace_id=utterance.trace_id,
            device_id=self._identity.device_id,
            session_id=self._identity.session_id,
        ):
            try:
                async with asyncio.timeout(CLOUD_TIMEOUT_S):
                    reply = await self._cloud.ask(utterance)
            except (CloudUnavailableError, TimeoutError) as error:
                reason = str(error) or "the cloud brain did not answer in time"
                log.warning("utterance.forward_failed", utterance_id=utterance.id, reason=reason)
                await self._finish(
                    record, status="failed", reply=replies.cloud_failed(reason), error=reason
                )
                return
            await self._finish(record, status="done", reply=reply)

    async def _finish(
        self, record: UtteranceRecord, *, status: str, reply: str, error: str | None = None
    ) -> UtteranceRecord:
        done = await self._history.finish(
            record, status="done" if status == "done" else "failed", reply=reply, error=error
        )
        # "say that again" repeats what was said before, not itself.
        if record.intent != "assistant.repeat":
            self._last_reply = reply
        self._bus.publish(Reply(text=reply, utterance_id=record.id, kind="reply"))
        log.info("utterance.answered", utterance_id=record.id, status=done.status)
        return done

    async def lookup(self, utterance_id: str) -> UtteranceRecord | None:
        return await self._history.get(utterance_id)

    async def describe(self, record: UtteranceRecord) -> dict[str, Any]:
        """The record as the API shows it, with when a later event for it is due (a timer)."""
        view = record.view()
        view["follow_up_at"] = await self._skills.follow_up_at(record.id)
        return view

    async def close(self) -> None:
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)

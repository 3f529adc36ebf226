"""What the cloud sends this edge (``assistant.edge_link.LinkHandler``): replies to forwarded
utterances, news, refusals, intents to run here after all, commands from other devices, the
taught phrases and this device's settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Mapping
from typing import Any

import structlog

from assistant import replies
from assistant.conversation.answers import Answers
from assistant.conversation.dialogue import Dialogue
from assistant.conversation.local import LocalIntents
from assistant.history import History, UtteranceRecord
from assistant.interpreter import interpret
from assistant.interpreter.extractors import fill
from assistant.skills import Skills
from assistant.skills.phrases import PhraseSkill
from models import Reply, TaughtPhrase, new_id
from models.device_intents import DeviceIntent
from models.intent_names import APP_INTENTS
from models.settings import DeviceSettings

log = structlog.get_logger(__name__)


class CloudMessages:
    """The edge's side of the link: each message lands in the history and the replies."""

    def __init__(
        self,
        *,
        device_name: str,
        skills: Skills,
        history: History,
        answers: Answers,
        dialogue: Dialogue,
        local: LocalIntents,
        handled: Collection[str],
        phrases: PhraseSkill | None = None,
    ) -> None:
        """``handled``: the intents this edge understands (a sent-back one must be one of them,
        and not the conversation's own)."""
        self._device_name = device_name
        self._skills = skills
        self._history = history
        self._answers = answers
        self._dialogue = dialogue
        self._local = local
        self._handled = frozenset(handled)
        self._phrases = phrases

    async def on_reply(self, reply: Reply) -> None:
        """A reply from the cloud: it answers a pending utterance, or it is news (a reminder).
        One that awaits a confirmation sends the next yes or no to the cloud."""
        if reply.awaiting_confirmation:
            self._dialogue.await_confirmation()
        record = await self._history.get(reply.utterance_id) if reply.utterance_id else None
        if reply.kind == "cancelled" and record is not None:
            await self._cancelled(record, reply)
            return
        if reply.kind != "reply" or record is None:
            self._answers.news(reply)
            return
        if record.status != "pending":
            # News about it, not a copy (copies never get here: the link drops them by id): a
            # mission queued with "I'll start it as soon as one connects" ends much later.
            log.info("utterance.follow_up", utterance_id=record.id)
            self._answers.news(reply)
            return
        self._answers.stop_waiting(record.id)
        await self._answers.finish(
            record, status="done", reply=reply.text, follow_up_at=reply.follow_up_at
        )

    async def _cancelled(self, record: UtteranceRecord, reply: Reply) -> None:
        """The request was stopped (by its asker, or the admin): marked cancelled, its text
        (the admin's cancel told to the asker; empty when the asker cancelled it and heard so on
        that utterance) published as the event that ends it."""
        self._answers.stop_waiting(record.id)
        text = reply.text or record.reply or ""
        await self._history.finish(record, status="cancelled", reply=text, error="cancelled")
        if reply.text:
            self._answers.news(reply)
        else:
            self._answers.publish(reply)
        log.info("utterance.cancelled", utterance_id=record.id)

    async def on_refused(self, utterance_id: str, reason: str) -> None:
        """The cloud refused the forwarded request for good: the utterance fails, said aloud."""
        record = await self._history.get(utterance_id)
        if record is None or record.status != "pending":
            return
        self._answers.stop_waiting(record.id)
        reply = replies.cloud_failed("the cloud brain refused the request")
        await self._answers.finish(record, status="failed", reply=reply, error=reason)

    async def on_device_intent(self, sent: DeviceIntent) -> None:
        """The cloud's second chance found one of this edge's intents in a forwarded request:
        run it as if understood here, its slots from this edge's own extractors (a missing one
        is asked for), and answer the pending utterance. It stays ``handled_by`` "cloud"."""
        record = await self._history.get(sent.utterance_id)
        if record is None or record.status != "pending":
            # Answered meanwhile (a copy of this message never gets here: the link drops it).
            log.info("device_intent.not_pending", utterance_id=sent.utterance_id)
            return
        self._answers.stop_waiting(record.id)
        # The edge checks too: only an intent its skills run, never the conversation's own.
        runs_here = sent.intent in self._handled and sent.intent not in APP_INTENTS
        filled = fill(sent.intent, sent.text) if runs_here else None
        log.info(
            "device_intent.received",
            utterance_id=record.id,
            intent=sent.intent,
            confidence=sent.confidence,
            runs_here=filled is not None,
        )
        if filled is None:
            reply = replies.not_a_local_command(self._device_name)
            await self._answers.finish(record, status="done", reply=reply)
            return
        record = await self._history.understood(record, filled.intent)
        if filled.missing is not None:
            await self._answers.finish(record, status="done", reply=self._dialogue.ask(filled))
            return
        reply = await self._local.run(filled.intent, record.id)
        await self._answers.finish(record, status="done", reply=reply)

    async def on_command(self, text: str) -> str:
        """Another device asked for ``text`` to run here; the reply goes back to it."""
        intent = interpret(text, home=self._skills.home.vocabulary())
        if intent is None:
            return replies.not_a_local_command(self._device_name)
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
        reply = await self._local.run(intent, record.id)
        await self._history.finish(record, status="done", reply=reply)
        return reply

    async def on_phrases(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        if self._phrases is not None:
            await self._phrases.replace_all(phrases)
            log.info("phrases.updated", count=len(phrases))

    async def on_config(self, settings: DeviceSettings | Mapping[str, Any]) -> None:
        """Apply the settings the cloud sent (typed, from the link) or the cached copy."""
        if isinstance(settings, DeviceSettings):
            settings = settings.to_wire()
        await self._skills.home.apply_settings(settings)
        self._skills.configure(settings)
        timezone = settings.get("timezone")
        if not isinstance(timezone, str):
            return
        try:
            self._skills.set_timezone(zoneinfo.ZoneInfo(timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("config.bad_timezone", timezone=timezone)

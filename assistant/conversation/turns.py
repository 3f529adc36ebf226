"""One utterance in, one reply out: understand it, run it here, ask the house, ask whether a
guess about doubted words was meant ("Did you mean …?"), or forward it to the cloud (whose
answer comes later, through ``CloudMessages``)."""

from __future__ import annotations

import asyncio
import time

import structlog

from assistant import replies
from assistant.cloud_link import CloudLink
from assistant.conversation.answers import Answers
from assistant.conversation.dialogue import SAID_NO, Dialogue
from assistant.conversation.identity import Identity
from assistant.conversation.local import LocalIntents
from assistant.errors import CloudUnavailableError
from assistant.history import History, UtteranceRecord
from assistant.interpreter.spoken import phrase_for
from assistant.skills import Skills
from assistant.skills.phrases import PhraseSkill
from assistant.understander import Understander, Understood
from jarvis.logs import traced
from models import Intent, Reply, Utterance, new_id
from models import intent_names as names

log = structlog.get_logger(__name__)

WORKING_ON_IT_S = 1.0
"""A forwarded request still unanswered after this long gets a short "working on it"."""
WEATHER_INTENTS = frozenset({names.WEATHER_CURRENT, names.WEATHER_FORECAST})
"""Said here from the cloud's forecast kept on this device while it is fresh."""
HOME_CONVERSATION = names.HOME_CONVERSATION


def offer_phrase(guess: Intent) -> str | None:
    """How to ask about a guess the learned tier declined only because the words were doubted:
    the grammar's phrase that says it exactly; ``None`` when none does, or for the weather
    (which may need the cloud, and would be sent it as "yes"). Blocking the first time."""
    return None if guess.name in WEATHER_INTENTS else phrase_for(guess)


def worth_asking(understood: Understood) -> tuple[Intent, str] | None:
    """The guess the edge asks about for words it did not act on ("Did you mean …?"), with its
    phrase (``offer_phrase``); ``None`` when it acts on them or has no such guess. Blocking."""
    guess = understood.declined
    if understood.intent is not None or guess is None:
        return None
    phrase = offer_phrase(guess)
    return None if phrase is None else (guess, phrase)


class Turns:
    """Takes each utterance to its reply (at once for local intents, later for the cloud's)."""

    def __init__(
        self,
        *,
        identity: Identity,
        skills: Skills,
        history: History,
        cloud: CloudLink,
        understander: Understander,
        dialogue: Dialogue,
        answers: Answers,
        local: LocalIntents,
        phrases: PhraseSkill | None = None,
    ) -> None:
        self._identity = identity
        self._skills = skills
        self._history = history
        self._cloud = cloud
        self._understander = understander
        self._dialogue = dialogue
        self._answers = answers
        self._local = local
        self._phrases = phrases

    async def submit(
        self,
        text: str,
        trace_id: str | None = None,
        *,
        spoken: bool = False,
        words_doubted: bool = False,
    ) -> UtteranceRecord:
        """Handle ``text``: the record is ``done`` for local intents, ``pending`` otherwise.
        ``spoken``: ``text`` is a recognizer's transcript, and a misheard command is repaired.
        ``words_doubted``: the recognizer doubted it (``understanding.doubted_words``): a
        likely guess is asked about (``worth_asking``), and the doubt goes to the cloud with the
        words, so that its second chance keeps the same bar."""
        utterance = Utterance(
            id=new_id(),
            text=text,
            trace_id=trace_id or new_id(),
            device_id=self._identity.device_id,
            session_id=self._identity.session_id,
            ts=time.time(),
            words_doubted=words_doubted,
        )
        with traced(trace_id=utterance.trace_id):
            return await self._submit(utterance, spoken)

    async def _submit(self, utterance: Utterance, spoken: bool = False) -> UtteranceRecord:
        started = time.perf_counter()
        home = self._skills.home
        # A yes or no to "did you mean …?" comes first; anything else drops that question.
        answered = self._dialogue.answer_to_offer(utterance.text)
        said_no = answered is not None and answered.intent == SAID_NO
        understood = (
            answered
            or self._taught(utterance.text)
            or self._dialogue.answer_to_question(utterance.text)
            # An answer to "the ceiling light or the counter light?" completes its command.
            or self._answer_to_the_house(utterance.text)
            or await self._understander.understand(
                utterance.text,
                home=home.vocabulary(),
                spoken=spoken,
                words_doubted=utterance.words_doubted,
            )
        )
        intent = understood.intent
        interpret_ms = (time.perf_counter() - started) * 1000
        if intent is None and home.mentions_the_house(utterance.text):
            return await self._ask_the_house(utterance, interpret_ms)
        offer = await self._offer(understood)
        to_cloud = offer is None and (intent is None or self._dialogue.answers_the_cloud(intent))
        said_here: str | None = None
        if intent is not None and not to_cloud and intent.name in WEATHER_INTENTS:
            # The cloud's forecast, kept here: said at once while fresh, else the cloud says it.
            said_here = await self._skills.weather_here(intent, self._cloud.is_connected())
            to_cloud = said_here is None
        # Asked about, the guess shows as the intent, as a command asked for a slot does.
        shown = offer[0] if offer is not None else intent
        record = UtteranceRecord(
            id=utterance.id,
            trace_id=utterance.trace_id,
            text=utterance.text,
            intent=shown.name if shown else None,
            slots=dict(shown.slots) if shown else {},
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
        if offer is not None:
            # Asked, not done: "Did you mean “pause the music”?"; a yes runs it (``Dialogue``).
            self._dialogue.offer(offer[0])
            reply = replies.did_you_mean(offer[1])
            return await self._answers.finish(record, status="done", reply=reply)
        if intent is None or to_cloud:
            return await self._forward(utterance, record)
        if understood.missing is not None:
            # Asked, not guessed: the next words are taken as the missing slot.
            asked = self._dialogue.ask(understood.missing)
            return await self._answers.finish(record, status="done", reply=asked)
        if said_no:
            return await self._answers.finish(record, status="done", reply=replies.offer_declined())
        reply = said_here or await self._local.run(intent, utterance.id)
        return await self._answers.finish(record, status="done", reply=reply)

    async def _offer(self, understood: Understood) -> tuple[Intent, str] | None:
        """The guess to ask about and its phrase (``worth_asking``), unless the user just said
        no to the same guess."""
        if understood.declined is None or not self._dialogue.may_offer(understood.declined):
            return None
        # In a thread: the first call builds the grammar's phrase table (~0.3 s).
        return await asyncio.to_thread(worth_asking, understood)

    def _taught(self, text: str) -> Understood | None:
        """What the user taught comes first: a taught phrase is theirs to define."""
        taught = self._phrases.match(text) if self._phrases else None
        if taught is None:
            return None
        return Understood(Intent(names.PHRASE_RUN, {"phrase": taught.phrase}), "taught", 1.0)

    def _answer_to_the_house(self, text: str) -> Understood | None:
        found = self._skills.home.answer(text)
        return None if found is None else Understood(found, "template", 1.0)

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
        return await self._answers.finish(record, status="done", reply=said)

    async def _forward(self, utterance: Utterance, record: UtteranceRecord) -> UtteranceRecord:
        try:
            await self._cloud.forward(utterance)
        except CloudUnavailableError as error:
            log.warning("utterance.forward_failed", utterance_id=utterance.id, reason=str(error))
            # Answered after the 202 is returned, like any cloud reply, so listeners see one flow.
            reason = str(error)
            # Words the recognizer doubted were most likely misheard: no reason about the cloud
            # for words never said (the cloud itself answers them so when it is there).
            said = replies.not_caught() if utterance.words_doubted else replies.cloud_failed(reason)
            failing = self._answers.finish(record, status="failed", reply=said, error=reason)
            self._answers.own(record.id, asyncio.create_task(failing))
            return record
        self._answers.own(record.id, asyncio.create_task(self._say_working_on_it(record.id)))
        return record

    async def _say_working_on_it(self, utterance_id: str) -> None:
        await asyncio.sleep(WORKING_ON_IT_S)
        connected = self._cloud.is_connected()
        text = replies.working_on_it() if connected else replies.waiting_for_cloud()
        self._answers.publish(Reply(text=text, utterance_id=utterance_id, kind="progress"))

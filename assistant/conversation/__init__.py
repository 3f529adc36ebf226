"""The edge's conversation, split by role and composed in :class:`Conversation`:

- :class:`~assistant.conversation.turns.Turns` takes each utterance to its reply (understood
  here, run here, asked of the house, or forwarded to the cloud);
- :class:`~assistant.conversation.cloud_messages.CloudMessages` handles what the cloud sends
  (the ``LinkHandler`` of ``assistant.edge_link``);
- :class:`~assistant.conversation.view.ConversationView` reads status and records for the HTTP
  API and the console;
- underneath, :class:`~assistant.conversation.answers.Answers` ends utterances and owns the
  tasks that answer later, :class:`~assistant.conversation.dialogue.Dialogue` holds the short
  windows (a question asked, "did you mean …?", a yes or no the cloud awaits), and
  :class:`~assistant.conversation.local.LocalIntents` runs an intent on this edge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from assistant.cloud_link import CloudLink
from assistant.conversation.answers import Answers
from assistant.conversation.cloud_messages import CloudMessages
from assistant.conversation.dialogue import (
    CONFIRMATION_INTENTS,
    CONFIRMATION_WINDOW_S,
    SLOT_ANSWER_WINDOW_S,
    Dialogue,
)
from assistant.conversation.identity import Identity
from assistant.conversation.local import LocalIntents
from assistant.conversation.turns import HOME_CONVERSATION, WORKING_ON_IT_S, Turns
from assistant.conversation.view import ConversationView
from assistant.events import ReplyBus
from assistant.history import History, UtteranceRecord
from assistant.skills import Skills
from assistant.skills.phrases import PhraseSkill
from assistant.understander import Understander
from models import Reply, TaughtPhrase
from models.device_intents import DeviceIntent
from models.intent_names import APP_INTENTS
from models.settings import DeviceSettings

__all__ = [
    "CONFIRMATION_INTENTS",
    "CONFIRMATION_WINDOW_S",
    "HOME_CONVERSATION",
    "SLOT_ANSWER_WINDOW_S",
    "WORKING_ON_IT_S",
    "CloudMessages",
    "Conversation",
    "ConversationView",
    "Identity",
    "Turns",
]


class Conversation:
    """The three roles over one shared state, with their methods at hand: ``submit`` (turns),
    ``on_*`` (what the cloud sends), ``status``/``lookup``/``describe`` (reading). Owns the
    "working on it" tasks; ``close()`` cancels them."""

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
        understander = understander or Understander(Skills.HANDLED | APP_INTENTS)
        self.cloud = cloud
        self._phrases = phrases
        self._answers = Answers(history, bus)
        dialogue = Dialogue(clock)
        local = LocalIntents(skills, phrases, self._answers)
        self.turns = Turns(
            identity=identity, skills=skills, history=history, cloud=cloud,
            understander=understander, dialogue=dialogue, answers=self._answers, local=local,
            phrases=phrases,
        )  # fmt: skip
        self.link = CloudMessages(
            device_name=identity.device_name, skills=skills, history=history,
            answers=self._answers, dialogue=dialogue, local=local,
            handled=understander.handled, phrases=phrases,
        )  # fmt: skip
        """What the cloud sends (``assistant.edge_link.LinkHandler``)."""
        self.view = ConversationView(identity=identity, skills=skills, history=history, cloud=cloud)

    @property
    def phrases(self) -> PhraseSkill | None:
        """Teaching and forgetting phrases directly (the HTTP API), not by a sentence."""
        return self._phrases

    async def submit(
        self,
        text: str,
        trace_id: str | None = None,
        *,
        spoken: bool = False,
        words_doubted: bool = False,
    ) -> UtteranceRecord:
        """Handle ``text``: the record is ``done`` for local intents, ``pending`` otherwise.
        ``spoken``: ``text`` is what a recognizer heard, and may be misheard; ``words_doubted``:
        the recognizer doubted it (``understanding.doubted_words``)."""
        return await self.turns.submit(text, trace_id, spoken=spoken, words_doubted=words_doubted)

    async def submit_spoken(self, text: str, *, words_doubted: bool = False) -> UtteranceRecord:
        """``submit`` for a recognizer's transcript (the microphone, satellites, the console)."""
        return await self.turns.submit(text, spoken=True, words_doubted=words_doubted)

    # --- what the cloud sends: CloudMessages ------------------------------------------------

    async def on_reply(self, reply: Reply) -> None:
        await self.link.on_reply(reply)

    async def on_refused(self, utterance_id: str, reason: str) -> None:
        await self.link.on_refused(utterance_id, reason)

    async def on_device_intent(self, sent: DeviceIntent) -> None:
        await self.link.on_device_intent(sent)

    async def on_command(self, text: str) -> str:
        return await self.link.on_command(text)

    async def on_phrases(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        await self.link.on_phrases(phrases)

    async def on_config(self, settings: DeviceSettings | Mapping[str, Any]) -> None:
        await self.link.on_config(settings)

    # --- reading: ConversationView ----------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return self.view.status()

    async def lookup(self, utterance_id: str) -> UtteranceRecord | None:
        return await self.view.lookup(utterance_id)

    async def describe(self, record: UtteranceRecord) -> dict[str, Any]:
        return await self.view.describe(record)

    async def close(self) -> None:
        await self._answers.close()

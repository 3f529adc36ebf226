"""What the edge expects to hear next: the answer to a question it asked ("Add what to your
shopping list?"), or the yes or no a cloud reply awaits."""

from __future__ import annotations

from collections.abc import Callable

import structlog

from assistant.interpreter import interpret
from assistant.interpreter.extractors import Filled, answer, question
from assistant.understander import Understood
from models import Intent
from models import intent_names as names

log = structlog.get_logger(__name__)

CONFIRMATION_WINDOW_S = 60.0
"""After a cloud reply that awaits a yes or no, how long the answer goes to the cloud."""
CONFIRMATION_INTENTS = frozenset({names.ASSISTANT_CONFIRM, names.ASSISTANT_DENY})
SLOT_ANSWER_WINDOW_S = 30.0
"""After "Add what to your shopping list?", how long the next words are taken as the answer."""


class Dialogue:
    """The two short windows in which the next words mean something special."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """``clock``: seconds, monotonic; it times both windows."""
        self._clock = clock
        self._confirm_until: float | None = None
        """While the clock is before this, a yes or no answers the cloud, not this edge."""
        self._asked: tuple[Filled, float] | None = None
        """The intent waiting for a slot the user was asked for, and until when."""

    def ask(self, missing: Filled) -> str:
        """Asked, not guessed: the next words are taken as ``missing``'s slot. The question."""
        self._asked = (missing, self._clock() + SLOT_ANSWER_WINDOW_S)
        return question(missing)

    def answer_to_question(self, text: str) -> Understood | None:
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

    def await_confirmation(self) -> None:
        """A cloud reply asked a yes-or-no question: the next yes or no goes to the cloud."""
        self._confirm_until = self._clock() + CONFIRMATION_WINDOW_S
        log.info("utterance.awaiting_confirmation", window_s=CONFIRMATION_WINDOW_S)

    def answers_the_cloud(self, intent: Intent) -> bool:
        """A yes or no while the cloud waits for one goes there (once), not to "nothing to
        confirm"."""
        if intent.name not in CONFIRMATION_INTENTS or self._confirm_until is None:
            return False
        awaited = self._clock() < self._confirm_until
        self._confirm_until = None
        return awaited

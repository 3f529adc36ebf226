"""What the edge expects to hear next: the answer to a question it asked ("Add what to your
shopping list?", "Did you mean “pause the music”?"), or the yes or no a cloud reply awaits."""

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
OFFER_WINDOW_S = 30.0
"""After "Did you mean “pause the music”?", how long a yes or no answers it."""
DENIED_FOR_S = 60.0
"""After a no, how long the same guess is not offered again (the words go on as before)."""
SAID_NO = Intent(names.ASSISTANT_DENY, {})
"""A no, as ``answer_to_offer`` understands it."""


class Dialogue:
    """The short windows in which the next words mean something special."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """``clock``: seconds, monotonic; it times both windows."""
        self._clock = clock
        self._confirm_until: float | None = None
        """While the clock is before this, a yes or no answers the cloud, not this edge."""
        self._asked: tuple[Filled, float] | None = None
        """The intent waiting for a slot the user was asked for, and until when."""
        self._offered: tuple[Intent, float] | None = None
        """The guess the user was asked to confirm ("did you mean …?"), and until when."""
        self._denied: tuple[str, float] | None = None
        """The intent of the last guess the user said no to, and until when it is not offered."""

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

    def may_offer(self, intent: Intent) -> bool:
        """False while the user's last no to a guess of the same intent still holds."""
        if self._denied is None:
            return True
        name, until = self._denied
        return name != intent.name or self._clock() >= until

    def offer(self, intent: Intent) -> None:
        """Jarvis asked whether ``intent`` is what was meant: a yes runs it, a no drops it. It
        is the last question asked, so a yes no longer goes to the cloud."""
        self._offered = (intent, self._clock() + OFFER_WINDOW_S)
        self._confirm_until = None
        log.info("utterance.offered", intent=intent.name, window_s=OFFER_WINDOW_S)

    def answer_to_offer(self, text: str) -> Understood | None:
        """The user's answer to "did you mean …?", when ``text`` is a yes (the guess asked about)
        or a no (``SAID_NO``) said in time; anything else drops the question and is understood
        as itself ("pause the music")."""
        if self._offered is None:
            return None
        offered, until = self._offered
        self._offered = None
        said = interpret(text)
        if said is None or said.name not in CONFIRMATION_INTENTS or self._clock() >= until:
            return None
        if said.name == names.ASSISTANT_DENY:
            self._denied = (offered.name, self._clock() + DENIED_FOR_S)
            return Understood(SAID_NO, "template", 1.0)
        return Understood(offered, "model", 1.0)

    def await_confirmation(self) -> None:
        """A cloud reply asked a yes-or-no question: the next yes or no goes to the cloud."""
        self._confirm_until = self._clock() + CONFIRMATION_WINDOW_S
        self._offered = None
        log.info("utterance.awaiting_confirmation", window_s=CONFIRMATION_WINDOW_S)

    def answers_the_cloud(self, intent: Intent) -> bool:
        """A yes or no while the cloud waits for one goes there (once), not to "nothing to
        confirm"."""
        if intent.name not in CONFIRMATION_INTENTS or self._confirm_until is None:
            return False
        awaited = self._clock() < self._confirm_until
        self._confirm_until = None
        return awaited

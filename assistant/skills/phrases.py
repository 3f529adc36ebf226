"""Phrases users teach: learn one, forget one, list them, and run one when it is said.

A phrase may not shadow what Jarvis already understands (a built-in command) or another
taught phrase: either would silently change what an existing sentence does.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant import replies
from assistant.cloud_link import CloudLink
from assistant.interpreter import interpret
from assistant.interpreter.phrases import commands_in
from assistant.phrase_book import PhraseBook
from models import Intent, TaughtPhrase, messages, phrase_key
from models import intent_names as names
from models.messages import PhrasesUpdateBody
from models.phrases import MAX_INTENTS, MAX_PHRASE_CHARS, MAX_PHRASES


@dataclass(frozen=True, slots=True)
class Outcome:
    """Whether the phrase was taught (or forgotten), and the sentence that says so or why not."""

    ok: bool
    reply: str


class PhraseSkill:
    """Teaches and forgets phrases here at once, and tells the cloud (which keeps the list)."""

    def __init__(self, book: PhraseBook, cloud: CloudLink) -> None:
        self._book = book
        self._cloud = cloud

    def match(self, text: str) -> TaughtPhrase | None:
        return self._book.match(text)

    async def handle(self, intent: Intent) -> str:
        """The reply to ``phrase.teach``, ``phrase.forget`` or ``phrase.list``."""
        phrase = str(intent.slots.get("phrase", ""))
        match intent.name:
            case names.PHRASE_TEACH:
                return (await self.teach(phrase, str(intent.slots.get("actions", "")))).reply
            case names.PHRASE_FORGET:
                return (await self.forget(phrase)).reply
        return self.listing()

    async def teach(self, phrase: str, actions: str) -> Outcome:
        phrase, actions = phrase.strip(), actions.strip()
        refusal = self._refusal(phrase)
        if refusal is not None:
            return Outcome(ok=False, reply=refusal)
        commands = commands_in(actions)
        if commands is None:
            return Outcome(ok=False, reply=replies.phrase_needs_commands(actions))
        if len(commands) > MAX_INTENTS:
            return Outcome(ok=False, reply=replies.phrase_too_many_commands(MAX_INTENTS))
        taught = TaughtPhrase(phrase=phrase, actions=actions, intents=commands)
        await self._book.put(taught)
        shared = await self._cloud.share(messages.envelope(PhrasesUpdateBody(teach=taught)))
        return Outcome(ok=True, reply=replies.phrase_taught(phrase, actions, shared=shared))

    async def forget(self, phrase: str) -> Outcome:
        gone = await self._book.remove(phrase)
        if gone is None:
            return Outcome(ok=False, reply=replies.phrase_unknown(phrase.strip()))
        await self._cloud.share(messages.envelope(PhrasesUpdateBody(forget=gone.key)))
        return Outcome(ok=True, reply=replies.phrase_forgotten(gone.phrase))

    def _refusal(self, phrase: str) -> str | None:
        """Why ``phrase`` cannot be taught: unusable, or it would shadow a meaning it has."""
        if not phrase_key(phrase) or len(phrase) > MAX_PHRASE_CHARS:
            return replies.phrase_unusable(MAX_PHRASE_CHARS)
        if interpret(phrase) is not None:
            return replies.phrase_is_a_command(phrase)
        existing = self._book.get(phrase)
        if existing is not None:
            return replies.phrase_taken(existing.phrase, existing.actions)
        if len(self._book.all()) >= MAX_PHRASES:
            return replies.phrase_book_full(MAX_PHRASES)
        return None

    def listing(self) -> str:
        return replies.phrases_listed([(t.phrase, t.actions) for t in self._book.all()])

    async def replace_all(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        """The cloud's list, the one all devices share."""
        await self._book.replace_all(phrases)

    def all(self) -> list[TaughtPhrase]:
        return self._book.all()

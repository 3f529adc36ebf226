"""Running an intent on this edge: the conversation's own (stop, repeat, yes and no), the
phrases users taught, and everything the skills run."""

from __future__ import annotations

from assistant import replies
from assistant.conversation.answers import Answers
from assistant.skills import Skills
from assistant.skills.phrases import PhraseSkill
from models import Intent
from models import intent_names as names


class LocalIntents:
    """Turns an understood intent into the sentence to say."""

    def __init__(self, skills: Skills, phrases: PhraseSkill | None, answers: Answers) -> None:
        """Without ``phrases`` nothing can be taught (an edge with no database for them);
        ``answers`` knows the last reply, for "say that again"."""
        self._skills = skills
        self._phrases = phrases
        self._answers = answers

    async def run(self, intent: Intent, utterance_id: str) -> str:
        """The reply to ``intent``, said for the utterance ``utterance_id``."""
        match intent.name:
            case names.ASSISTANT_REPEAT:
                return self._answers.last_reply or replies.nothing_to_repeat()
            case names.ASSISTANT_STOP:
                # "Stop" while an alarm rings silences it.
                return await self._skills.stop_alarm() or replies.stopped()
            case names.ASSISTANT_CONFIRM | names.ASSISTANT_DENY:
                return replies.nothing_to_confirm()
            case names.PHRASE_RUN | names.PHRASE_TEACH | names.PHRASE_FORGET | names.PHRASE_LIST:
                return await self._phrase(intent, utterance_id)
        return await self._skills.handle(intent, utterance_id)

    async def _phrase(self, intent: Intent, utterance_id: str) -> str:
        if self._phrases is None:
            return replies.phrases_unavailable()
        if intent.name != names.PHRASE_RUN:
            return await self._phrases.handle(intent)
        taught = self._phrases.match(str(intent.slots.get("phrase", "")))
        if taught is None:
            # Forgotten (a push from the cloud) between understanding and running it.
            return replies.phrase_unknown(str(intent.slots.get("phrase", "")))
        # In order, each as if said on its own: "pause the music and set the volume to 20".
        said = [await self.run(each, utterance_id) for each in taught.intents]
        return " ".join(said)

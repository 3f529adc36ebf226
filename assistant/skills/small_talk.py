"""A coin, dice, a random number, spelling, a joke, and the polite replies (hello, thanks,
goodbye, who am I).

Jokes are pyjokes' "neutral" one-liners (BSD-3-Clause), never the same one twice in a row.
Randomness comes from an injected ``random.Random``, so tests can seed it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

import pyjokes

from assistant import replies_everyday as say
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names

DEFAULT_SIDES = 6
MAX_DICE = 20
MAX_SIDES = 1000
NUMBER_RANGE = (1, 10)
"""What "pick a number" picks from when no range is said."""


class SmallTalkSkill:
    def __init__(self, rng: random.Random, timezone: tzinfo, clock: Callable[[], float]) -> None:
        self._rng = rng
        self.timezone = timezone
        self._clock = clock
        self._jokes = [
            joke
            for joke in pyjokes.get_jokes(language="en", category="neutral")
            if joke[:1].isupper() and joke.endswith((".", "?"))  # whole sentences read best
        ]
        self._last_joke: str | None = None

    def _hour(self) -> int:
        return datetime.fromtimestamp(self._clock(), tz=self.timezone).hour

    def coin(self) -> str:
        return say.coin(self._rng.choice(("heads", "tails")))

    def dice(self, slots: Mapping[str, object]) -> str:
        count = _slots.integer(slots, "count") or 1
        sides = _slots.integer(slots, "sides") or DEFAULT_SIDES
        if not (1 <= count <= MAX_DICE and 2 <= sides <= MAX_SIDES):
            return say.dice_too_many(MAX_DICE, MAX_SIDES)
        return say.dice([self._rng.randint(1, sides) for _ in range(count)])

    def number(self, slots: Mapping[str, object]) -> str:
        """A whole number from ``low`` to ``high`` (either order, both included; 1 to 10
        when not said)."""
        low = _slots.integer(slots, "low")
        high = _slots.integer(slots, "high")
        if low is None or high is None:
            low, high = NUMBER_RANGE
        low, high = sorted((low, high))
        return say.random_number(self._rng.randint(low, high), low, high)

    def spell(self, slots: Mapping[str, object]) -> str:
        word = _slots.text(slots, "word")
        if word is None or not word.replace("'", "").isalpha():
            return say.spell_what()
        return say.spelled(word)

    def joke(self) -> str:
        choices = [joke for joke in self._jokes if joke != self._last_joke] or self._jokes
        self._last_joke = self._rng.choice(choices)
        return self._last_joke

    def greeting(self) -> str:
        return say.greeting(self._hour())

    def goodbye(self) -> str:
        return say.goodbye(self._hour())


INTENTS: tuple[IntentSpec[SmallTalkSkill], ...] = (
    spec(names.RANDOM_COIN, lambda skill, _: skill.coin()),
    spec(names.RANDOM_DICE, lambda skill, asked: skill.dice(asked.slots), ("sides", "count")),
    spec(names.RANDOM_NUMBER, lambda skill, asked: skill.number(asked.slots), ("low", "high")),
    spec(names.SPELL_WORD, lambda skill, asked: skill.spell(asked.slots), ("word",)),
    spec(names.JOKE_TELL, lambda skill, _: skill.joke()),
    spec(names.CHITCHAT_GREETING, lambda skill, _: skill.greeting()),
    spec(names.CHITCHAT_THANKS, lambda _, __: say.thanks()),
    spec(names.CHITCHAT_GOODBYE, lambda skill, _: skill.goodbye()),
    spec(names.CHITCHAT_ABOUT, lambda _, __: say.about()),
)

"""Coins, dice, spelling, jokes and the polite replies, through the Skills façade with a seeded
random generator and an injected clock."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pyjokes
import pytest

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FixedClock, ReplyRecorder
from models import Intent

Slot = str | int | float | bool | None
SEED = 7


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 12, 2, 8, 30, tzinfo=UTC).timestamp())


@pytest.fixture
async def skills(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Skills]:
    db = await open_database(tmp_path)
    started = await Skills.start(
        db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters(), clock=clock,
        rng=random.Random(SEED),
    )  # fmt: skip
    yield started
    await started.close()
    await db.close()


async def say(skills: Skills, intent: str, /, **slots: Slot) -> str:
    return await skills.handle(Intent(intent, slots), "u0")


async def test_coin_lands_on_both_sides(skills: Skills) -> None:
    """Forty flips give heads and tails, each said as a sentence."""
    flips = {await say(skills, "random.coin") for _ in range(40)}
    assert flips == {"It's heads.", "It's tails."}


async def test_dice_roll_within_their_sides_and_add_up(skills: Skills) -> None:
    """The same seed gives the same rolls; several dice are listed with their total."""
    expected = random.Random(SEED)
    first = [expected.randint(1, 6), expected.randint(1, 6)]
    assert await say(skills, "random.dice", count=2) == (
        f"You rolled {first[0]} and {first[1]}: {sum(first)} in all."
    )
    d20 = expected.randint(1, 20)
    article = "an" if d20 in (8, 11, 18) else "a"
    assert await say(skills, "random.dice", sides=20) == f"You rolled {article} {d20}."
    assert await say(skills, "random.dice", count=500) == (
        "I can roll up to 20 dice of up to 1000 sides."
    )


async def test_words_are_spelled_letter_by_letter(skills: Skills) -> None:
    """ "necessary" is spelled out in capitals; no word asks for one."""
    assert await say(skills, "spell.word", word="necessary") == (
        "Necessary is spelled N, E, C, E, S, S, A, R, Y."
    )
    assert await say(skills, "spell.word") == "Which word should I spell?"


async def test_jokes_come_from_pyjokes_and_do_not_repeat_back_to_back(skills: Skills) -> None:
    """Every joke is one of pyjokes' neutral ones, and never the previous one again."""
    known = set(pyjokes.get_jokes(language="en", category="neutral"))
    assert len(known) > 150
    jokes = [await say(skills, "joke.tell") for _ in range(30)]
    assert set(jokes) <= known
    assert all(a != b for a, b in itertools.pairwise(jokes))


async def test_greetings_follow_the_time_of_day(skills: Skills, clock: FixedClock) -> None:
    """8:30 is morning; 21:00 is evening, and a goodbye then is "Good night."."""
    assert await say(skills, "chitchat.greeting") == "Good morning. What can I do for you?"
    assert await say(skills, "chitchat.goodbye") == "Goodbye."
    clock.now = datetime(2026, 12, 2, 21, 0, tzinfo=UTC).timestamp()
    assert await say(skills, "chitchat.greeting") == "Good evening. What can I do for you?"
    assert await say(skills, "chitchat.goodbye") == "Good night."
    assert await say(skills, "chitchat.thanks") == "You're welcome."
    assert (await say(skills, "chitchat.about")).startswith("I'm Jarvis, a voice assistant")


async def test_random_number_stays_in_the_range_said(skills: Skills) -> None:
    """Sixty picks from 3 to 5 land on each of 3, 4 and 5 and nowhere else."""
    picks = {await say(skills, "random.number", low=3, high=5) for _ in range(60)}
    assert picks == {f"I picked {n}, from 3 to 5." for n in (3, 4, 5)}


async def test_random_number_takes_the_range_either_way_round(skills: Skills) -> None:
    """ "Between 10 and 1" is the same range as "between 1 and 10"."""
    reply = await say(skills, "random.number", low=10, high=1)
    assert reply.endswith("from 1 to 10.")


async def test_random_number_without_a_range_picks_one_to_ten(skills: Skills) -> None:
    """ "Pick a number" picks from 1 to 10; a one-number range says the only choice."""
    assert (await say(skills, "random.number")).endswith("from 1 to 10.")
    assert await say(skills, "random.number", low=7, high=7) == "It can only be 7."

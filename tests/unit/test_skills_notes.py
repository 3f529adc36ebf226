"""Notes and lists through the Skills façade, on a real SQLite database in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import pytest

from assistant.database import open_database
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import ReplyRecorder
from models import Intent

Slot = str | int | float | bool | None


@pytest.fixture
async def skills(tmp_path: Path) -> AsyncIterator[Skills]:
    db = await open_database(tmp_path)
    started = await Skills.start(db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters())
    yield started
    await started.close()
    await db.close()


async def say(skills: Skills, intent: str, /, **slots: Slot) -> str:
    """Handles ``intent`` with ``slots`` as the interpreter would produce them."""
    return await skills.handle(Intent(intent, slots), "u1")


async def test_notes_are_added_and_read_back_in_order(skills: Skills) -> None:
    """Notes are read back oldest first."""
    assert await say(skills, "note.list") == "You have no notes."
    assert await say(skills, "note.add", text="buy stamps") == "Noted: buy stamps."
    await say(skills, "note.add", text="  call   mom ")
    assert await say(skills, "note.list") == "You have 2 notes: buy stamps; call mom."


async def test_empty_note_is_asked_about(skills: Skills) -> None:
    """A note without text asks what it should say and stores nothing."""
    assert await say(skills, "note.add", text=" ") == "What should the note say?"
    assert await say(skills, "note.list") == "You have no notes."


async def test_list_defaults_to_shopping_and_shows_items(skills: Skills) -> None:
    """Items go to the shopping list unless another is named, and are listed in order."""
    assert await say(skills, "list.add", item="milk") == "I added milk to your shopping list."
    await say(skills, "list.add", item="eggs", list="shopping")
    await say(skills, "list.add", item="bread", list="Shopping List")
    await say(skills, "list.add", item="hammer", list="hardware")
    assert await say(skills, "list.show") == (
        "Your shopping list has 3 items: milk, eggs and bread."
    )
    assert await say(skills, "list.show", list="hardware") == (
        "Your hardware list has 1 item: hammer."
    )
    assert await say(skills, "list.show", list="packing") == "Your packing list is empty."


async def test_duplicate_add_is_idempotent(skills: Skills) -> None:
    """Adding an item already there, in any case, changes nothing and says so."""
    await say(skills, "list.add", item="milk")
    assert await say(skills, "list.add", item="Milk") == "Milk is already on your shopping list."
    assert await say(skills, "list.show") == "Your shopping list has 1 item: milk."


async def test_remove_present_and_missing_items(skills: Skills) -> None:
    """Removing deletes the item; removing one that isn't there says so honestly."""
    await say(skills, "list.add", item="milk")
    assert await say(skills, "list.remove", item="MILK") == (
        "I removed MILK from your shopping list."
    )
    assert await say(skills, "list.remove", item="milk") == "Milk isn't on your shopping list."
    assert await say(skills, "list.add") == "Which item?"

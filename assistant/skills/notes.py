"""Notes and named lists (shopping by default), kept in the edge database."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping

import aiosqlite
import structlog

from assistant import replies
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names

log = structlog.get_logger(__name__)

DEFAULT_LIST = "shopping"


class NotesSkill:
    def __init__(self, db: aiosqlite.Connection, clock: Callable[[], float]) -> None:
        self._db = db
        self._clock = clock

    async def add_note(self, slots: Mapping[str, object]) -> str:
        text = _slots.text(slots, "text")
        if text is None:
            return replies.note_need_text()
        await self._db.execute(
            "INSERT INTO notes (text, created_at) VALUES (?, ?)", (text, self._clock())
        )
        await self._db.commit()
        log.info("note.added", chars=len(text))
        return replies.note_added(text)

    async def list_notes(self) -> str:
        async with self._db.execute("SELECT text FROM notes ORDER BY created_at, id") as cursor:
            rows = await cursor.fetchall()
        return replies.notes([str(row[0]) for row in rows])

    async def add_item(self, slots: Mapping[str, object]) -> str:
        item, list_name = _slots.text(slots, "item"), _list_name(slots)
        if item is None:
            return replies.list_need_item()
        if await self._find(list_name, item) is not None:
            return replies.list_already_has(item, list_name)
        try:
            await self._db.execute(
                "INSERT INTO list_items (list, item, created_at) VALUES (?, ?, ?)",
                (list_name, item, self._clock()),
            )
        except sqlite3.IntegrityError:  # the same item added twice at once: the first one won
            return replies.list_already_has(item, list_name)
        await self._db.commit()
        log.info("list.item_added", list=list_name)
        return replies.list_added(item, list_name)

    async def remove_item(self, slots: Mapping[str, object]) -> str:
        item, list_name = _slots.text(slots, "item"), _list_name(slots)
        if item is None:
            return replies.list_need_item()
        row_id = await self._find(list_name, item)
        if row_id is None:
            return replies.list_missing(item, list_name)
        await self._db.execute("DELETE FROM list_items WHERE id = ?", (row_id,))
        await self._db.commit()
        log.info("list.item_removed", list=list_name)
        return replies.list_removed(item, list_name)

    async def show_list(self, slots: Mapping[str, object]) -> str:
        list_name = _list_name(slots)
        query = "SELECT item FROM list_items WHERE list = ? ORDER BY created_at, id"
        async with self._db.execute(query, (list_name,)) as cursor:
            rows = await cursor.fetchall()
        return replies.list_contents(list_name, [str(row[0]) for row in rows])

    # --- by id, for the console --------------------------------------------------------

    async def all_notes(self) -> list[dict[str, object]]:
        """Every note, oldest first: ``{"id", "text", "created_at"}``."""
        query = "SELECT id, text, created_at FROM notes ORDER BY created_at, id"
        async with self._db.execute(query) as cursor:
            rows = await cursor.fetchall()
        return [{"id": row[0], "text": row[1], "created_at": row[2]} for row in rows]

    async def all_lists(self) -> dict[str, list[dict[str, object]]]:
        """Every list by name (shopping always there), its items oldest first."""
        query = "SELECT id, list, item, created_at FROM list_items ORDER BY created_at, id"
        async with self._db.execute(query) as cursor:
            rows = await cursor.fetchall()
        lists: dict[str, list[dict[str, object]]] = {DEFAULT_LIST: []}
        for row_id, name, item, created_at in rows:
            lists.setdefault(str(name), []).append(
                {"id": row_id, "item": item, "created_at": created_at}
            )
        return lists

    async def delete_note(self, note_id: int) -> bool:
        """Remove one note; False when no note has that id."""
        cursor = await self._db.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        await self._db.commit()
        return cursor.rowcount > 0

    async def tick_off(self, item_id: int) -> bool:
        """Take one item off its list; False when no item has that id."""
        cursor = await self._db.execute("DELETE FROM list_items WHERE id = ?", (item_id,))
        await self._db.commit()
        return cursor.rowcount > 0

    async def _find(self, list_name: str, item: str) -> int | None:
        """The row holding ``item`` on the list, ignoring case ("Milk" is "milk")."""
        query = "SELECT id FROM list_items WHERE list = ? AND item = ? COLLATE NOCASE"
        async with self._db.execute(query, (list_name, item)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])


def _list_name(slots: Mapping[str, object]) -> str:
    """``"Shopping List"`` → ``"shopping"``, so every way of saying a list finds the same one."""
    return _slots.spoken_name(slots, "list", noun="list") or DEFAULT_LIST


INTENTS: tuple[IntentSpec[NotesSkill], ...] = (
    spec(names.NOTE_ADD, lambda skill, asked: skill.add_note(asked.slots), ("text",)),
    spec(names.NOTE_LIST, lambda skill, _: skill.list_notes()),
    spec(names.LIST_ADD, lambda skill, asked: skill.add_item(asked.slots), ("item", "list")),
    spec(names.LIST_REMOVE, lambda skill, asked: skill.remove_item(asked.slots), ("item", "list")),
    spec(names.LIST_SHOW, lambda skill, asked: skill.show_list(asked.slots), ("list",)),
)

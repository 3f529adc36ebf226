"""The edge's copy of the phrases the user taught, matched before anything else.

The cloud holds the list and pushes it whole; this copy lives in the edge database so taught
phrases keep working offline and across restarts. A phrase taught here is kept at once (the
user hears it works) and sent to the cloud, whose next push is the list all devices share.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import aiosqlite

from models import TaughtPhrase, phrase_key


class PhraseBook:
    """Taught phrases by key, in memory for microsecond matching, stored in SQLite."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        """Use :meth:`open`, which loads what was stored."""
        self._db = db
        self._by_key: dict[str, TaughtPhrase] = {}

    @classmethod
    async def open(cls, db: aiosqlite.Connection) -> PhraseBook:
        book = cls(db)
        async with db.execute("SELECT phrase, actions, intents FROM taught_phrases") as cursor:
            rows = await cursor.fetchall()
        for phrase, actions, intents in rows:
            wire = {"phrase": phrase, "actions": actions, "intents": json.loads(intents)}
            taught = TaughtPhrase.from_wire(wire)
            book._by_key[taught.key] = taught
        return book

    def match(self, text: str) -> TaughtPhrase | None:
        """The phrase ``text`` says, said alone ("Movie time!" matches "movie time")."""
        if not self._by_key:
            return None
        return self._by_key.get(phrase_key(text))

    def get(self, phrase: str) -> TaughtPhrase | None:
        return self._by_key.get(phrase_key(phrase))

    def all(self) -> list[TaughtPhrase]:
        return sorted(self._by_key.values(), key=lambda taught: taught.key)

    async def put(self, taught: TaughtPhrase) -> None:
        await self._db.execute(
            "INSERT OR REPLACE INTO taught_phrases (key, phrase, actions, intents)"
            " VALUES (?, ?, ?, ?)",
            _row(taught),
        )
        await self._db.commit()
        self._by_key[taught.key] = taught

    async def remove(self, phrase: str) -> TaughtPhrase | None:
        """Forget ``phrase``; the one forgotten, or None when it was not taught."""
        key = phrase_key(phrase)
        gone = self._by_key.pop(key, None)
        if gone is not None:
            await self._db.execute("DELETE FROM taught_phrases WHERE key = ?", (key,))
            await self._db.commit()
        return gone

    async def replace_all(self, phrases: Sequence[TaughtPhrase]) -> None:
        """Take the cloud's list as the whole truth."""
        await self._db.execute("DELETE FROM taught_phrases")
        await self._db.executemany(
            "INSERT OR REPLACE INTO taught_phrases (key, phrase, actions, intents)"
            " VALUES (?, ?, ?, ?)",
            [_row(taught) for taught in phrases],
        )
        await self._db.commit()
        self._by_key = {taught.key: taught for taught in phrases}


def _row(taught: TaughtPhrase) -> tuple[str, str, str, str]:
    intents = json.dumps(taught.to_wire()["intents"])
    return (taught.key, taught.phrase, taught.actions, intents)

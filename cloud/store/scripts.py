"""The script registry in PostgreSQL: named Python scripts and the packages they need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    code: str
    packages: tuple[str, ...]
    created_at: datetime
    updated_at: datetime

    def to_json(self, *, with_code: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "packages": list(self.packages),
            "code_bytes": len(self.code.encode()),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
        if with_code:
            data["code"] = self.code
        return data


async def put(
    conn: asyncpg.Connection | asyncpg.Pool, name: str, code: str, packages: list[str]
) -> tuple[Script, bool]:
    """Store the script ``name`` (checked by the caller), replacing one of that name; it, and
    whether it is new."""
    row = await conn.fetchrow(
        "INSERT INTO scripts (name, code, packages) VALUES ($1, $2, $3)"
        " ON CONFLICT (name) DO UPDATE SET code = excluded.code, packages = excluded.packages,"
        " updated_at = now() RETURNING *, (xmax = 0) AS created",
        name,
        code,
        packages,
    )
    return _script(row), bool(row["created"])


async def find(conn: asyncpg.Connection | asyncpg.Pool, spoken: str) -> Script | None:
    """The script named ``spoken``, or whose name says it with ``-`` and ``_`` as spaces."""
    row = await conn.fetchrow(
        "SELECT * FROM scripts WHERE name = $1 OR replace(replace(name, '-', ' '), '_', ' ') = $1"
        " ORDER BY name = $1 DESC LIMIT 1",
        spoken,
    )
    return None if row is None else _script(row)


async def listing(conn: asyncpg.Connection | asyncpg.Pool) -> list[Script]:
    return [_script(row) for row in await conn.fetch("SELECT * FROM scripts ORDER BY name")]


def _script(row: asyncpg.Record) -> Script:
    return Script(
        name=row["name"],
        code=row["code"],
        packages=tuple(row["packages"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )

"""The script registry: named Python scripts a person can run by voice ("run my hello script")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from cloud.errors import InvalidRequestError

MAX_CODE_BYTES = 64 * 1024
"""The edge refuses a ``code`` parameter above 64 KiB; refuse it here, at registration."""
MAX_PACKAGES = 20
MAX_NAME_LENGTH = 64
_NAME = re.compile(r"[a-z0-9][a-z0-9 _-]*")
_REQUIREMENT = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._,-]+\])?(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)?"
)


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


def clean_name(name: str) -> str:
    """Lower case, single spaces; InvalidRequestError unless letters, digits, space, _ and -."""
    cleaned = " ".join(name.lower().split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not _NAME.fullmatch(cleaned):
        raise InvalidRequestError(
            f"name: 1 to {MAX_NAME_LENGTH} letters, digits, spaces, _ or - (got {name!r})"
        )
    return cleaned


def check_script(code: object, packages: object) -> tuple[str, list[str]]:
    """The code and packages of a registration body, or InvalidRequestError naming the field."""
    if not isinstance(code, str) or not code.strip():
        raise InvalidRequestError("code: expected a non-empty string")
    if len(code.encode()) > MAX_CODE_BYTES:
        raise InvalidRequestError(f"code: at most {MAX_CODE_BYTES} bytes")
    if packages is None:
        packages = []
    if not isinstance(packages, list) or len(packages) > MAX_PACKAGES:
        raise InvalidRequestError(f"packages: expected a list of at most {MAX_PACKAGES} strings")
    for index, package in enumerate(packages):
        if not isinstance(package, str) or not _REQUIREMENT.fullmatch(package.strip()):
            raise InvalidRequestError(
                f"packages[{index}]: expected a requirement such as requests or rich==13.7"
            )
    return code, [package.strip() for package in packages]


async def put_script(
    conn: asyncpg.Connection | asyncpg.Pool, name: str, code: object, packages: object
) -> tuple[Script, bool]:
    """Register or replace the script ``name``; returns it and whether it is new."""
    name = clean_name(name)
    checked_code, checked = check_script(code, packages)
    row = await conn.fetchrow(
        "INSERT INTO scripts (name, code, packages) VALUES ($1, $2, $3)"
        " ON CONFLICT (name) DO UPDATE SET code = excluded.code, packages = excluded.packages,"
        " updated_at = now() RETURNING *, (xmax = 0) AS created",
        name,
        checked_code,
        checked,
    )
    return _script(row), bool(row["created"])


async def get_script(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> Script | None:
    spoken = " ".join(name.lower().split())
    row = await conn.fetchrow(
        "SELECT * FROM scripts WHERE name = $1 OR replace(replace(name, '-', ' '), '_', ' ') = $1"
        " ORDER BY name = $1 DESC LIMIT 1",
        spoken,
    )
    return None if row is None else _script(row)


async def list_scripts(conn: asyncpg.Connection | asyncpg.Pool) -> list[Script]:
    return [_script(row) for row in await conn.fetch("SELECT * FROM scripts ORDER BY name")]


def _script(row: asyncpg.Record) -> Script:
    return Script(
        name=row["name"],
        code=row["code"],
        packages=tuple(row["packages"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )

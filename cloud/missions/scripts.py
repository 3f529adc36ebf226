"""The script registry: named Python scripts a person can run by voice ("run my hello script")."""

from __future__ import annotations

import re

import asyncpg

from cloud.errors import InvalidRequestError
from cloud.store import scripts as stored_scripts
from cloud.store.scripts import Script

MAX_CODE_BYTES = 64 * 1024
"""The edge refuses a ``code`` parameter above 64 KiB; refuse it here, at registration."""
MAX_PACKAGES = 20
MAX_NAME_LENGTH = 64
_NAME = re.compile(r"[a-z0-9][a-z0-9 _-]*")
_REQUIREMENT = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[A-Za-z0-9._,-]+\])?(?:(?:==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)?"
)


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
    return await stored_scripts.put(conn, name, checked_code, checked)


async def get_script(conn: asyncpg.Connection | asyncpg.Pool, name: str) -> Script | None:
    """The script called ``name`` as said: spaces stand for ``-`` and ``_``."""
    return await stored_scripts.find(conn, " ".join(name.lower().split()))


async def list_scripts(conn: asyncpg.Connection | asyncpg.Pool) -> list[Script]:
    return await stored_scripts.listing(conn)

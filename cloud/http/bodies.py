"""Request bodies for every HTTP route: strict JSON, refused with a 400 that names the fault."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from cloud.errors import InvalidRequestError, RequestTimeoutError
from jarvis.http_guard import BODY_TIMEOUT_S
from models import DecodeError, strict_json


async def json_body(request: web.Request) -> Any:
    """The body as JSON; InvalidRequestError when it is not JSON, or holds what PostgreSQL
    cannot store (NUL, lone surrogates, numbers out of range): refused here, with the field
    named, rather than failing later as an internal error."""
    try:
        # A client that dribbles its body is cut off rather than holding the connection.
        async with asyncio.timeout(BODY_TIMEOUT_S):
            raw = await request.read()
    except TimeoutError:
        raise RequestTimeoutError(f"The body did not arrive within {BODY_TIMEOUT_S:g} s.") from None
    try:
        return strict_json(raw)
    except DecodeError as error:
        where = "body" if error.field == "$" else error.field
        raise InvalidRequestError(f"{where}: {error.problem}") from None

"""Request bodies for every HTTP route: strict JSON, refused with a 400 that names the fault."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cloud.errors import InvalidRequestError
from models import DecodeError, strict_json


async def json_body(request: web.Request) -> Any:
    """The body as JSON; InvalidRequestError when it is not JSON, or holds what PostgreSQL
    cannot store (NUL, lone surrogates, numbers out of range): refused here, with the field
    named, rather than failing later as an internal error."""
    try:
        return strict_json(await request.read())
    except DecodeError as error:
        where = "body" if error.field == "$" else error.field
        raise InvalidRequestError(f"{where}: {error.problem}") from None

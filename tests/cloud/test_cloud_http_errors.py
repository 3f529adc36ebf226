"""The cloud's HTTP error shape for what the handlers raise, PostgreSQL's refusals included."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from cloud.errors import NotFoundError
from cloud.http.errors import json_errors


def _app(pool: asyncpg.Pool) -> web.Application:
    async def out_of_range(request: web.Request) -> web.Response:
        await pool.fetchval("SELECT to_timestamp($1::float8)", 1e300)
        return web.Response()

    async def missing(request: web.Request) -> web.Response:
        raise NotFoundError("No such thing.")

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/out-of-range", out_of_range)
    app.router.add_get("/missing", missing)
    app.router.add_get("/broken", broken)
    return app


async def test_errors_are_json_and_refused_data_is_not_a_500(
    pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    """Data PostgreSQL refuses is 422 ``unstorable``: the same request fails the same way every
    time, so a client must not take it for a 500 and retry. A bug is still a 500."""
    client = await aiohttp_client(_app(pool))
    expected = {
        "/out-of-range": (422, "unstorable", "out of range"),
        "/missing": (404, "not_found", "No such thing."),
        "/broken": (500, "internal", "The cloud failed"),
    }
    for path, (status, code, message) in expected.items():
        response = await client.get(path)
        error = (await response.json())["error"]
        assert (response.status, error["code"]) == (status, code), path
        assert message in error["message"]

"""The one JSON-error middleware of both HTTP APIs: every error is `{"error": {code, message}}`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from structlog.testing import capture_logs

from jarvis.http_errors import error_response, json_errors


class RefusedError(Exception):
    """A program's own refusal, as the cloud's CloudError is."""


def _refusal(request: web.Request, error: Exception) -> web.Response | None:
    if isinstance(error, RefusedError):
        return error_response(409, "refused", str(error))
    return None


def _app() -> web.Application:
    async def ok(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"ok": True})

    async def refused(request: web.Request) -> web.Response:
        raise RefusedError("Not like that.")

    async def bug(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    async def explained(request: web.Request) -> web.Response:
        raise web.HTTPNotFound(text="No such thing here.")

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/ok")

    middleware = json_errors(internal_message="It broke.", refusal=_refusal)
    app = web.Application(middlewares=[middleware], client_max_size=64)
    app.router.add_post("/ok", ok)
    app.router.add_get("/ok", ok)
    for path, handler in [
        ("/refused", refused),
        ("/bug", bug),
        ("/explained", explained),
        ("/moved", moved),
    ]:
        app.router.add_get(path, handler)
    return app


async def _error(response: Any) -> tuple[int, str, str]:
    body = await response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    return response.status, body["error"]["code"], body["error"]["message"]


async def test_aiohttp_errors_are_json_with_a_snake_case_code(aiohttp_client: Any) -> None:
    """An unknown route, a wrong method (its Allow header kept) and a body over the cap are
    answered in the JSON shape; a handler's own text becomes the message."""
    client = await aiohttp_client(_app())
    assert await _error(await client.get("/nowhere")) == (404, "not_found", "Not Found")
    wrong = await client.delete("/ok")
    assert await _error(wrong) == (405, "method_not_allowed", "Method Not Allowed")
    assert wrong.headers["Allow"] == "GET, HEAD, POST"
    status, code, _ = await _error(await client.post("/ok", data=b"x" * 100))
    assert (status, code) == (413, "too_large")
    explained = await client.get("/explained")
    assert await _error(explained) == (404, "not_found", "No such thing here.")


async def test_a_programs_refusal_keeps_its_code_and_a_bug_is_a_logged_500(
    aiohttp_client: Any,
) -> None:
    """The refusal hook answers the program's own errors; anything else is a 500 that says
    only the given message, its traceback in the log."""
    client = await aiohttp_client(_app())
    assert await _error(await client.get("/refused")) == (409, "refused", "Not like that.")
    with capture_logs() as logs:
        assert await _error(await client.get("/bug")) == (500, "internal", "It broke.")
    assert [(e["event"], e["path"]) for e in logs] == [("http.unhandled_error", "/bug")]


async def test_a_redirect_is_not_an_error(aiohttp_client: Any) -> None:
    """A 3xx a handler raises goes out as itself."""
    client = await aiohttp_client(_app())
    response = await client.get("/moved", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/ok")


async def test_a_cancellation_goes_through_unanswered() -> None:
    """A handler cancelled (its client went away, the server stops) is not turned into a 500:
    the cancellation reaches the server."""
    middleware = json_errors(internal_message="It broke.", refusal=_refusal)

    async def cancelled(request: web.Request) -> web.StreamResponse:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await middleware(make_mocked_request("GET", "/"), cancelled)

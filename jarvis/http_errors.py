"""Every HTTP error both servers (edge and cloud) answer is JSON: `{"error": {"code", "message"}}`.

:func:`json_errors` is the one middleware that keeps it so, whatever a handler raises:

- aiohttp's own HTTP errors (an unknown route, a wrong method, a body over the size cap): the
  code is the reason in snake case (``not_found``, ``method_not_allowed``; ``too_large`` for
  413), the message the text the raiser gave, else the reason; a 405 keeps its ``Allow`` header;
- a program's own refusals, which its ``refusal`` hook turns into a response (the cloud's
  ``CloudError`` and PostgreSQL's refusals of the data);
- anything else: logged with its traceback, answered 500 ``internal`` without one.

A cancellation is never answered: the client went away or the server is stopping, so it goes on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from aiohttp import web
from aiohttp.typedefs import Middleware

log = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Refusal = Callable[[web.Request, Exception], web.Response | None]
"""A program's own error for ``request`` as a response, or ``None`` when it is not one."""

_CODES = {413: "too_large"}
"""Codes that differ from the reason in snake case (413's reason is "Request Entity Too Large")."""


def error_response(status: int, code: str, message: str) -> web.Response:
    """The one error shape: ``{"error": {"code": code, "message": message}}``."""
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def http_error_response(error: web.HTTPException) -> web.Response:
    """aiohttp's HTTP error (status 400 or more) in the JSON shape."""
    code = _CODES.get(error.status) or error.reason.lower().replace(" ", "_")
    response = error_response(error.status, code, _message(error))
    if isinstance(error, web.HTTPMethodNotAllowed):
        response.headers["Allow"] = ", ".join(sorted(error.allowed_methods))
    return response


def json_errors(*, internal_message: str, refusal: Refusal | None = None) -> Middleware:
    """The middleware; ``internal_message`` is what a 500 says, ``refusal`` answers the
    program's own errors (tried before the 500)."""

    @web.middleware
    async def answer_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise  # a redirect is an answer, not an error
            return http_error_response(error)
        except Exception as error:  # CancelledError is a BaseException: it is never caught here
            refused = refusal(request, error) if refusal is not None else None
            if refused is not None:
                return refused
            log.exception("http.unhandled_error", method=request.method, path=request.path)
            return error_response(500, "internal", internal_message)

    return answer_errors


def _message(error: web.HTTPException) -> str:
    # aiohttp fills a missing text with "404: Not Found"; the reason alone says the same.
    if error.text and error.text != f"{error.status}: {error.reason}":
        return error.text
    return error.reason

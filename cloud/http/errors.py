"""Every HTTP error the cloud answers is JSON: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from typing import Any

import asyncpg
import structlog
from aiohttp import web

from cloud.errors import CloudError, UnauthorizedError, UnstorableError

log = structlog.get_logger(__name__)

Handler = Any  # aiohttp's handler type; kept loose so middlewares stay simple to read


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn CloudErrors and aiohttp's own HTTP errors into the JSON error shape."""
    try:
        response: web.StreamResponse = await handler(request)
    except UnauthorizedError as error:
        # The reason goes to the log only; the client sees one message for every case.
        log.warning(
            "request refused",
            reason=error.reason,
            method=request.method,
            path=request.path,
            remote=request.remote,
        )
        return error_response(error.status, error.code, error.message)
    except CloudError as error:
        return error_response(error.status, error.code, error.message)
    except asyncpg.DataError as error:
        # The data itself: the same request would fail again, so it is not a 500 to retry.
        log.warning("request unstorable", method=request.method, path=request.path)
        refused = UnstorableError.of(error)
        return error_response(refused.status, refused.code, refused.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = _HTTP_CODES.get(error.status, "http_error")
        return error_response(error.status, code, error.reason)
    except Exception:
        log.exception("request failed", method=request.method, path=request.path)
        return error_response(500, "internal", "The cloud failed to handle this request.")
    return response

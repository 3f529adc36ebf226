"""The cloud's own refusals in the one JSON error shape (``jarvis.http_errors``)."""

from __future__ import annotations

import asyncpg
import structlog
from aiohttp import web

from cloud.errors import CloudError, UnauthorizedError, UnstorableError
from jarvis import http_errors
from jarvis.http_errors import error_response

log = structlog.get_logger(__name__)

__all__ = ["json_errors", "refusal"]


def refusal(request: web.Request, error: Exception) -> web.Response | None:
    """A CloudError, or data PostgreSQL refused, as its response; ``None`` for anything else."""
    if isinstance(error, UnauthorizedError):
        # The reason goes to the log only; the client sees one message for every case.
        log.warning(
            "request refused",
            reason=error.reason,
            method=request.method,
            path=request.path,
            remote=request.remote,
        )
    elif isinstance(error, asyncpg.DataError):
        # The data itself: the same request would fail again, so it is not a 500 to retry.
        log.warning("request unstorable", method=request.method, path=request.path)
        error = UnstorableError.of(error)
    if isinstance(error, CloudError):
        return error_response(error.status, error.code, error.message)
    return None


json_errors = http_errors.json_errors(
    internal_message="The cloud failed to handle this request.", refusal=refusal
)
"""Every error the cloud answers is JSON, its own refusals with their codes."""

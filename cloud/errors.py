"""Errors of the cloud brain; each one that reaches a client carries a stable ``code``."""

from __future__ import annotations


class CloudError(Exception):
    """Something the cloud refuses or cannot do; ``code`` and ``status`` say how to answer."""

    code = "internal"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnauthorizedError(CloudError):
    """A missing, wrong or revoked token. The message is the same for all three, on purpose."""

    code = "unauthorized"
    status = 401

    def __init__(self, reason: str) -> None:
        super().__init__("A valid bearer token is required.")
        self.reason = reason
        """Why it was refused (``missing``, ``wrong``, ``revoked``): for the log, never the wire."""


class NotFoundError(CloudError):
    code = "not_found"
    status = 404


class ConflictError(CloudError):
    code = "conflict"
    status = 409


class InvalidRequestError(CloudError):
    """A request body the cloud cannot use; the message names the field at fault."""

    code = "invalid_request"
    status = 400


class InvalidUtteranceError(InvalidRequestError):
    """An utterance outside the edge's own limits (blank, too long, an id out of bounds)."""

    code = "invalid_utterance"


class TooLargeError(CloudError):
    """A message for an edge that cannot fit one frame (``models.MAX_FRAME_BYTES``) even with
    its texts cut: refused where it is made, never queued to jam the link."""

    code = "too_large"
    status = 413


class RequestTimeoutError(CloudError):
    """The client took too long to send its request body."""

    code = "request_timeout"
    status = 408


class UnstorableError(CloudError):
    """PostgreSQL refused the data itself (a NUL character, a number out of range): sending the
    same message again can never succeed, so it is refused for good rather than retried."""

    code = "unstorable"
    status = 422

    @classmethod
    def of(cls, error: Exception) -> UnstorableError:
        """The refusal for PostgreSQL's ``error`` (an ``asyncpg.DataError``)."""
        return cls(f"The cloud cannot store this: {error}.")


class DatabaseError(CloudError):
    """PostgreSQL is unreachable, or the schema cannot be brought up to date."""

    code = "unavailable"
    status = 503


class PlannerError(CloudError):
    """A planner could not decide (the language model failed or answered nonsense)."""

    code = "planner_failed"
    status = 502


class WeatherUnavailableError(CloudError):
    """The weather provider failed: unreachable, too slow, an HTTP error or an answer it
    cannot read. Said to the user in a short sentence, never as a trace."""

    code = "weather_unavailable"
    status = 502

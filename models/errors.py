"""Errors of the shared domain."""


class DecodeError(ValueError):
    """Wire data that cannot become a domain value; the message names the offending field."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnknownTypeError(DecodeError):
    """An envelope whose ``type`` no message has (``models.messages.MessageType``)."""

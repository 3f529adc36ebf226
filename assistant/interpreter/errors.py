"""Errors raised by the interpreter package."""


class ExpressionError(ValueError):
    """A spoken or typed arithmetic expression that cannot be evaluated safely."""

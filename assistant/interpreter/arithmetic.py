"""A safe evaluator for spoken and typed arithmetic ("12 times 7", "2 ^ 10", "15 percent of 80").

Nothing is ever handed to ``eval``: a small tokenizer accepts numbers and a fixed set of operator
words and symbols, and a recursive-descent parser evaluates them exactly (``int``,
``Fraction`` once a decimal or a division needs it). Powers, token counts and magnitudes are
capped so "9 ^ 9 ^ 9" is refused instead of eating the CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from assistant.interpreter._arithmetic_tokens import MAX_TOKENS, tokenize
from assistant.interpreter.errors import ExpressionError

__all__ = ["MAX_MAGNITUDE", "MAX_TOKENS", "Calculation", "calculate", "evaluate"]

MAX_MAGNITUDE = 10**15
"""Largest absolute value any step may produce."""
MAX_EXPONENT = 1000
"""Largest absolute exponent accepted before the magnitude check even runs."""
MAX_DIGITS = 24
"""Longest number literal accepted (digits and point)."""
DECIMALS = 10
"""Non-integral results are rounded to this many decimal places."""

Number = int | Fraction | float


@dataclass(frozen=True, slots=True)
class Calculation:
    """A parsed expression in canonical form, and its value."""

    expression: str
    """Canonical ASCII form, e.g. ``12 * 7`` or ``sqrt 144``; ``evaluate`` accepts it back."""
    result: int | float
    """``int`` when the value is integral."""
    operators: int
    """How many operators it holds (0 for a bare number)."""


def _size(value: Number) -> float:
    return abs(float(value))


def _checked(value: Number) -> Number:
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError("result is not a finite number")
    if _size(value) > MAX_MAGNITUDE:
        raise ExpressionError("result too large")
    return value


def _integral(value: Number) -> bool:
    return isinstance(value, int) or (isinstance(value, Fraction) and value.denominator == 1)


def _power(base: Number, exponent: Number) -> Number:
    if _size(exponent) > MAX_EXPONENT:
        raise ExpressionError("exponent too large")
    if base == 0 and exponent < 0:
        raise ExpressionError("division by zero")
    if _size(base) > 1 and _size(exponent) * math.log10(_size(base)) > math.log10(MAX_MAGNITUDE):
        raise ExpressionError("result too large")
    if _integral(exponent):
        power = int(exponent)
        if power < 0 and not isinstance(base, float):
            return 1 / Fraction(base) ** -power
        result: Number = base**power
        return result
    if base < 0:
        raise ExpressionError("fractional power of a negative number")
    return math.pow(float(base), float(exponent))


def _sqrt(value: Number) -> Number:
    if value < 0:
        raise ExpressionError("square root of a negative number")
    if isinstance(value, int | Fraction):
        value = Fraction(value)
        top, bottom = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if top * top == value.numerator and bottom * bottom == value.denominator:
            return Fraction(top, bottom)
    return math.sqrt(value)


def _divide(left: Number, right: Number, op: str) -> Number:
    if right == 0:
        raise ExpressionError("division by zero")
    if op == "mod":
        return left % right
    if isinstance(left, int) and isinstance(right, int):
        quotient, remainder = divmod(left, right)
        return quotient if remainder == 0 else Fraction(left, right)
    return left / right


class _Parser:
    """expr := term (+|- term)*; term := unary (*|/|mod|%of unary)*; unary := -unary | power;
    power := atom [^ unary] | atom sq|cube; atom := number | ( expr ) | sqrt unary."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.operators = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise ExpressionError("expression ends too early")
        self.index += 1
        return token

    def expr(self) -> Number:
        value = self.term()
        while self.peek() in ("+", "-"):
            op, self.operators = self.take(), self.operators + 1
            right = self.term()
            value = _checked(value + right if op == "+" else value - right)
        return value

    def term(self) -> Number:
        value = self.unary()
        while self.peek() in ("*", "/", "mod", "%of"):
            op, self.operators = self.take(), self.operators + 1
            right = self.unary()
            if op == "*":
                value = _checked(value * right)
            elif op == "%of":
                value = _checked(_divide(value * right, 100, "/"))
            else:
                value = _checked(_divide(value, right, op))
        return value

    def unary(self) -> Number:
        if self.peek() in ("-", "neg"):
            # A sign is not an operation: "minus 5" alone is a number, not a calculation.
            self.take()
            return -self.unary()
        if self.peek() == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Number:
        value = self.atom()
        token = self.peek()
        if token == "^":
            self.take()
            self.operators += 1
            return _checked(_power(value, self.unary()))
        if token in ("sq", "cube"):
            self.take()
            self.operators += 1
            return _checked(_power(value, 2 if token == "sq" else 3))
        return value

    def atom(self) -> Number:
        token = self.take()
        if token == "(":
            value = self.expr()
            if self.take() != ")":
                raise ExpressionError("missing closing parenthesis")
            return value
        if token == "sqrt":
            self.operators += 1
            return _sqrt(self.unary())
        if len(token) > MAX_DIGITS:
            raise ExpressionError("number too long")
        if token.isdigit():
            return _checked(int(token))
        if token[0].isdigit() or token[0] == ".":
            return _checked(Fraction(token))
        raise ExpressionError(f"unexpected {token!r}")


_CANONICAL = {"neg": "-", "%of": "% of", "sq": "^ 2", "cube": "^ 3"}


def _result(value: Number) -> int | float:
    if _integral(value):
        return int(value)
    rounded = round(float(value), DECIMALS)
    if rounded.is_integer():
        return int(rounded)
    return rounded


def calculate(text: str) -> Calculation:
    """Parse and evaluate ``text``; raise ``ExpressionError`` for anything not plain arithmetic."""
    tokens = tokenize(text.lower())
    parser = _Parser(tokens)
    value = parser.expr()
    if parser.index != len(tokens):
        raise ExpressionError(f"unexpected {tokens[parser.index]!r}")
    expression = " ".join(_CANONICAL.get(token, token) for token in tokens)
    return Calculation(expression, _result(value), parser.operators)


def evaluate(text: str) -> int | float:
    """The value of ``text`` (``int`` when integral); raise ``ExpressionError`` when unsafe."""
    return calculate(text).result

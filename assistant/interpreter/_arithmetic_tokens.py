"""Tokens of an arithmetic expression: numbers, and operator words or symbols in canonical form.

Canonical tokens: a number literal, ``+ - * / ^ ( )``, ``mod``, ``%of`` (percent of), ``%``,
``sqrt``, ``neg`` (a spoken sign), ``sq`` and ``cube`` (postfix powers).
"""

from __future__ import annotations

import re

from assistant.interpreter.errors import ExpressionError

MAX_TOKENS = 64
"""Longer expressions are not something a person says; this also bounds parser recursion."""

_WORD_OPS = {
    "square root of": "sqrt",
    "square root": "sqrt",
    "sqrt": "sqrt",
    "to the power of": "^",
    "raised to the power of": "^",
    "raised to": "^",
    "multiplied by": "*",
    "times": "*",
    "x": "*",
    "divided by": "/",
    "over": "/",
    "plus": "+",
    "minus": "-",
    "negative": "neg",
    "modulo": "mod",
    "mod": "mod",
    "percent of": "%of",
    "per cent of": "%of",
    "squared": "sq",
    "cubed": "cube",
}
_SYMBOL_OPS = {"**": "^", "×": "*", "÷": "/", "−": "-", "·": "*"}
_words = "|".join(sorted((re.escape(w) for w in _WORD_OPS), key=len, reverse=True))
_TOKEN = re.compile(
    rf"\s*(?:(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<word>(?:{_words})(?![a-z]))"
    r"|(?P<pct>%(?: of)?)|(?P<sym>\*\*|[-+*/^()×÷−·]))"
)


def tokenize(text: str) -> list[str]:
    """Canonical tokens of ``text``; raise ``ExpressionError`` on anything else."""
    tokens: list[str] = []
    position, end = 0, len(text.rstrip())
    while position < end:
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unexpected text at {text[position : position + 12]!r}")
        position = match.end()
        if match["num"] is not None:
            tokens.append(match["num"])
        elif match["word"] is not None:
            tokens.append(_WORD_OPS[match["word"]])
        elif match["pct"] is not None:
            tokens.append("%of" if match["pct"].endswith("of") else "%")
        else:
            tokens.append(_SYMBOL_OPS.get(match["sym"], match["sym"]))
        if len(tokens) > MAX_TOKENS:
            raise ExpressionError("expression too long")
    if not tokens:
        raise ExpressionError("empty expression")
    return tokens

"""Arithmetic questions ("what is 12 times 7") answered on the edge by the safe evaluator."""

from __future__ import annotations

import re

from assistant.interpreter._common import intent
from assistant.interpreter._grammar import spell
from assistant.interpreter._text import Text
from assistant.interpreter.arithmetic import calculate
from assistant.interpreter.errors import ExpressionError
from models import Intent
from models import intent_names as names

# Cheap gate: without an operator word or symbol there is nothing to calculate.
_HINT = re.compile(
    r"[-+*/^×÷%]|\b(?:plus|minus|times|x|over|divided|multiplied|percent|power|squared|cubed"
    r"|root|sqrt|mod|modulo|negative)\b"
)
_QUESTION = re.compile(
    r"(?:(?:what's|whats|what is|calculate|compute|evaluate|solve|how much is|what does|"
    r"what do|tell me|work out|figure out) )?(?:the )?(?P<expr>.+?)"
    r"(?: equal| equals| equal to| is| make)?"
)
# "a hundred" comes out of alpha2digit as "a 100".
_ARTICLE_NUMBER = re.compile(r"\ban (?=\d)|\ba (?=\d)")


def match(text: Text) -> Intent | None:
    """``math.eval`` with the canonical expression and its result, or ``None``."""
    if _HINT.search(text.lower) is None:
        return None
    found = _QUESTION.fullmatch(text.digits)
    if found is None:
        return None
    try:
        calculation = calculate(_ARTICLE_NUMBER.sub("", found["expr"]))
    except ExpressionError:
        return None
    if calculation.operators == 0:
        return None
    return intent(names.MATH_EVAL, expression=calculation.expression, result=calculation.result)


def _numbered() -> list[str]:
    said: list[str] = []
    for a in range(13):
        for b in range(13):
            said += [f"what is {spell(a)} {op} {spell(b)}" for op in ("plus", "times", "minus")]
            if b:
                said.append(f"what is {spell(a)} divided by {spell(b)}")
    return said


GRAMMAR = tuple(_numbered())
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

"""Helpers for the phrases each domain gives vosk's runtime grammar (its ``GRAMMAR``): every
fixed-form local command, numbers spelled out. ``assistant.interpreter.grammar_phrases`` gathers
them from the domains.

Free-text intents (notes, list items, typing) cannot be enumerated; they reach the interpreter
through the free-form recognizer instead.
"""

from __future__ import annotations

# Number → words, for generating phrases only; parsing numbers is text2num's job.
_ONES = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
NUMBER_WORDS = frozenset((*_ONES, *_TENS[2:], "hundred"))
"""Every word ``spell`` writes a number with."""


def spell(number: int) -> str:
    """``number`` (0 to 100) in English words: 42 → "forty two"."""
    if number == 100:
        return "one hundred"
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] if ones == 0 else f"{_TENS[tens]} {_ONES[ones]}"


def phrases(*lines: str) -> tuple[str, ...]:
    """The phrases of ``lines``, each a ``|``-separated run of them (compact to write)."""
    return tuple(phrase for line in lines for phrase in line.split("|"))

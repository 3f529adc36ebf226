"""The words of a request as the person said them, found back after matching normalized text.

The planner matches lowercase text with number words as digits ("remind me in ten minutes to
call Dr. O'Brien" → "… in 10 minutes to call dr. o'brien"); what is stored and said back must
be the person's own words. Normalization only lowercases and merges number words, so the
original of a normalized tail (or head) is the shortest tail (head) of the original words that
normalizes to it.
"""

from __future__ import annotations

from collections.abc import Callable

MAX_EXTRA_WORDS = 12
"""How many more original words than normalized ones a span may have ("twenty five" → "25")."""

_SENTENCE_END = ".!?"


def tail_as_said(normalized: str, said: str, normalize: Callable[[str], str]) -> str:
    """The end of ``said`` that ``normalize`` turns into ``normalized``; ``normalized`` itself
    when none does."""
    words = said.split()
    count = len(normalized.split())
    for extra in range(MAX_EXTRA_WORDS + 1):
        start = len(words) - count - extra
        if start < 0:
            break
        candidate = " ".join(words[start:])
        if normalize(candidate) == normalized:
            return _trimmed(candidate)
    return normalized


def head_as_said(normalized: str, said: str, normalize: Callable[[str], str]) -> str:
    """The start of ``said`` that ``normalize`` turns into ``normalized`` (trailing commas
    aside); ``normalized`` itself when none does."""
    words = said.split()
    count = len(normalized.split())
    for extra in range(MAX_EXTRA_WORDS + 1):
        end = count + extra
        if end > len(words):
            break
        candidate = " ".join(words[:end]).rstrip(",")
        if normalize(candidate) == normalized:
            return _trimmed(candidate)
    return normalized


def _trimmed(text: str) -> str:
    """Without the sentence's own final punctuation ("… the trash." → "… the trash")."""
    return text.rstrip(_SENTENCE_END).rstrip()

"""Normalization: recognizer output → words without wake words, politeness or punctuation."""

from __future__ import annotations

import re

from text_to_num import alpha2digit

MAX_CHARS = 300
"""Longer input is never a local command; refusing it early keeps the worst case cheap."""

# Sentence punctuation goes; punctuation inside a token ("1.5", "127.0.0.1", "e-mail") stays.
_PUNCTUATION = re.compile(r"[,;!?\"“”«»\[\]{}…]|[.:](?=\W|$)|(?<![a-z0-9])'|'(?![a-z0-9])", re.I)
_SPACES = re.compile(r"\s+")
_LEADING = re.compile(
    r"^(?:(?:hey|hi|hello|ok|okay|yo) jarvis|jarvis|please|kindly|(?:can|could|would|will) you"
    r"|i (?:want|need) you to|i'd like you to|i would like you to|go ahead and|um|uh|so|okay|ok)"
    r" (?=\S)",
    re.I,
)
_TRAILING = re.compile(
    r"(?<=\S) (?:please|thanks|thank you|thanks a lot|jarvis|for me|now then)$", re.I
)
# Same-length rewrites only, so spans found in the lowercase text index the cased text too.
_HYPHEN = re.compile(r"(?<=[a-z0-9])-(?=[a-z])")
_SECOND = re.compile(r"\bsecond\b")
# Commands addressed to another device are routed by the cloud, never run here.
_OTHER_DEVICE = re.compile(
    r"\b(?:on|in|from|at|to) (?:the|my|our) (?:[a-z']+ ){0,2}"
    r"(?:pi|raspberry pi|desktop|laptop|computer|pc|phone|tablet|server|mac|macbook|tv"
    r"|television|machine|device|workstation)\b"
)


class Text:
    """One utterance, normalized once and shared by every domain matcher."""

    __slots__ = ("_digits", "cased", "lower", "words")

    def __init__(self, cased: str) -> None:
        lower = cased.lower()
        if len(lower) != len(cased):
            # A few characters change length when lowercased; spans would not carry over.
            cased = lower
        self.cased = cased
        """Normalized text in the speaker's casing (for typed or noted text)."""
        self.lower = _HYPHEN.sub(" ", lower)
        """Lowercase, same length as ``cased``: spans carry over."""
        self.words = frozenset(self.lower.split())
        self._digits: str | None = None

    @property
    def digits(self) -> str:
        """``lower`` with number words as digits ("twenty five" → "25"), computed on first use."""
        if self._digits is None:
            # alpha2digit reads "second" as the ordinal "2nd"; the unit must survive.
            protected = _SECOND.sub("sec", self.lower)
            self._digits = alpha2digit(protected, "en", threshold=0)
        return self._digits

    def span(self, start: int, end: int) -> str:
        """The cased text between two offsets of ``lower``."""
        return self.cased[start:end]


def normalize(raw: str) -> Text | None:
    """Strip punctuation, fillers and politeness; ``None`` when nothing is left or too long."""
    if len(raw) > MAX_CHARS:
        return None
    text = raw.replace("’", "'").replace("‘", "'")
    text = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    while True:
        stripped = _TRAILING.sub("", _LEADING.sub("", text))
        if stripped == text:
            break
        text = stripped
    if not text:
        return None
    utterance = Text(text)
    if _OTHER_DEVICE.search(utterance.lower):
        return None
    return utterance

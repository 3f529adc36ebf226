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


_WORD = re.compile(r"\S+")
_OPENING = frozenset("\"'“‘«([")
_CLOSING = frozenset("\"'”’»)]?!")
"""Punctuation kept around a span that reaches it; a final full stop is the sentence's, not
the dictated text's, and is left out ("Type hello world." types "hello world")."""


class Text:
    """One utterance, normalized once and shared by every domain matcher."""

    __slots__ = ("_digits", "_offsets", "_raw", "cased", "lower", "words")

    def __init__(self, cased: str, raw: str | None = None, offsets: list[int] | None = None):
        lower = cased.lower()
        if len(lower) != len(cased):
            # A few characters change length when lowercased; spans would not carry over.
            cased, offsets = lower, None
        self._raw = raw
        self._offsets = offsets if raw is not None and offsets is not None else None
        """Where each character of ``cased`` was in ``raw``: spans are cut from what was said."""
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
        """The text as said between two offsets of ``lower``: its case, digits and the
        punctuation inside it (``"Dr. O'Brien at 555-1234; ask"``). Matching uses ``lower``;
        this is what is stored, typed and read back."""
        if self._offsets is None or self._raw is None or start >= end:
            return self.cased[start:end]
        raw = self._raw
        first, last = self._offsets[start], self._offsets[end - 1] + 1
        while first > 0 and raw[first - 1] in _OPENING:
            first -= 1
        while last < len(raw) and raw[last] in _CLOSING:
            last += 1
        return raw[first:last]


def normalize(raw: str) -> Text | None:
    """Strip punctuation, fillers and politeness; ``None`` when nothing is left or too long."""
    if len(raw) > MAX_CHARS:
        return None
    # Every step keeps track of where each character came from in ``raw`` (``offsets``).
    spaced = _PUNCTUATION.sub(" ", raw.replace("’", "'").replace("‘", "'"))
    words = list(_WORD.finditer(spaced))
    text = " ".join(word.group() for word in words)
    offsets: list[int] = []
    for word in words:
        if offsets:
            offsets.append(word.start() - 1)  # the space between words
        offsets.extend(range(word.start(), word.end()))
    while True:
        leading = _LEADING.match(text)
        if leading is not None:
            text, offsets = text[leading.end() :], offsets[leading.end() :]
        trailing = _TRAILING.search(text)
        if trailing is not None:
            text, offsets = text[: trailing.start()], offsets[: trailing.start()]
        if leading is None and trailing is None:
            break
    if not text:
        return None
    utterance = Text(text, raw, offsets)
    if _OTHER_DEVICE.search(utterance.lower):
        return None
    return utterance

"""How sure the learned tier must be of words the recognizer itself doubted.

In a loud room whisper writes a misheard command with confidence ("set a time for five
minutes", "remove the timer" for "resume the timer"), and the learned tier, trained on written
requests, maps the garbled words onto *some* command: on the room bench it was wrong as often
as it was right. Whisper knows when it guessed: its mean token probability for the transcript
(``words_sure``) falls. Below ``DOUBTED_BELOW`` the words are doubted, and the learned tier acts
on them only at ``DOUBTED_THRESHOLD`` or above; otherwise they go on to the repair of a misheard
command, then to the cloud, whose second chance keeps the same bar (the utterance says
``words_doubted``). Told that the wake phrase came first, whisper reads surer of the same words
(median 0.77 against 0.61 in a quiet room), so what follows the wake word has its own line,
``DOUBTED_BELOW_AFTER_WAKE``.

The three numbers were chosen together by ``scripts/choose_doubted_words.py`` on a spoken dev
set of its own (CLINC150 validation requests for the edge's intents, grammar phrases that are
not the room bench's, cloud-bound validation requests; Kokoro and espeak-ng dev voices, clean
and in 20 and 10 dB rooms; said alone, and again after "hey jarvis"), by a rule fixed before
looking: the most right answers less twice the wrong ones, over both.
"""

from __future__ import annotations

DOUBTED_BELOW = 0.5
"""Whisper's mean token probability under which the words of a transcript are doubted."""
DOUBTED_BELOW_AFTER_WAKE = 0.8
"""The same for a transcript decoded with the wake phrase told as its first words."""
DOUBTED_THRESHOLD = 0.91
"""The learned tier's bar for doubted words (its own threshold, 0.65, otherwise)."""


def doubted(words_sure: float | None, *, after_wake: bool = False) -> bool:
    """Whether whisper doubted the words it wrote (``words_sure``: its mean token probability;
    ``None``: typed text, or an engine whose confidence is on another scale)."""
    if words_sure is None:
        return False
    return words_sure < (DOUBTED_BELOW_AFTER_WAKE if after_wake else DOUBTED_BELOW)


def threshold_for(threshold: float, words_doubted: bool) -> float:
    """The bar for the learned tier's guess: ``threshold``, raised to ``DOUBTED_THRESHOLD`` for
    words the recognizer doubted (never lowered)."""
    return max(threshold, DOUBTED_THRESHOLD) if words_doubted else threshold

"""How sure the learned tier must be of words the recognizer itself doubted.

In a loud room whisper writes a misheard command with confidence ("set a time for five
minutes", "remove the timer" for "resume the timer"), and the learned tier, trained on written
requests, maps the garbled words onto *some* command: on the room bench it was wrong as often
as it was right. Whisper knows when it guessed: its mean token probability (``words_sure``)
falls. Below ``DOUBTED_BELOW`` the learned tier acts only at ``DOUBTED_THRESHOLD`` or above;
otherwise the words go on to the cloud, whose second chance keeps the same bar.

Both numbers were chosen by ``scripts/choose_doubted_words.py`` on a spoken dev set of its own
(CLINC150 validation requests for the edge's intents, grammar phrases that are not the room
bench's, cloud-bound validation requests; Kokoro and espeak-ng dev voices, clean and in 20 and
10 dB rooms), by a rule fixed before looking: the most right answers less twice the wrong ones.
There, 413 right and 67 wrong became 398 right and 41 wrong.
"""

from __future__ import annotations

DOUBTED_BELOW = 0.5
"""Whisper's mean token probability under which the words of a transcript are doubted."""
DOUBTED_THRESHOLD = 0.98
"""The learned tier's bar for doubted words (its own threshold, 0.65, otherwise)."""


def threshold_for(threshold: float, words_sure: float | None) -> float:
    """The bar for the learned tier's guess: ``threshold``, raised to ``DOUBTED_THRESHOLD`` when
    the recognizer doubted the words. ``words_sure`` is ``None`` for typed text and for engines
    whose confidence is on another scale (vosk's word confidences)."""
    if words_sure is None or words_sure >= DOUBTED_BELOW:
        return threshold
    return max(threshold, DOUBTED_THRESHOLD)

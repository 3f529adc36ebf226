"""What Jarvis says when the recognizer fails on something said to it, failure after failure.

The first time it apologises and listens for the command again without the wake word (a
follow-up). A recognizer that fails again is likely broken (out of memory, a damaged model):
Jarvis then says so once, opens no follow-up window, and where it listens all the time says
nothing more until it hears again. Otherwise a loudspeaker's echo of the apology, heard as
speech in the follow-up window (or by an edge that hears everything), would fail in turn and
be apologised to without end.
"""

from __future__ import annotations

from assistant import replies


class NotHeardStreak:
    """Counts the failures in a row on speech said to Jarvis; ``heard`` ends the streak."""

    def __init__(self, *, always_listening: bool) -> None:
        self._always_listening = always_listening
        self.in_a_row = 0

    def failed(self) -> str | None:
        """What to say for one more failure; None: nothing (said already, and nobody need
        have spoken to Jarvis)."""
        self.in_a_row += 1
        if self.in_a_row == 1:
            return replies.not_heard()
        if self.in_a_row == 2 or not self._always_listening:
            return replies.still_not_heard()
        return None

    @property
    def follow_up(self) -> bool:
        """Whether the command may be said again without the wake word: after the first
        failure only."""
        return self.in_a_row == 1

    def heard(self) -> None:
        self.in_a_row = 0

"""How lists and unknown names are said in a reply, the same on the edge and in the cloud."""

from __future__ import annotations

from collections.abc import Sequence


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``a, b or c`` with ``conjunction="or"``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def unknown_device_text(name: str, known: Sequence[str]) -> str:
    """The answer when no enrolled device is called ``name``: say so, and name the ones there."""
    text = f"I don't know a device called {name}."
    return f"{text} Your devices are: {join_words(known)}." if known else text

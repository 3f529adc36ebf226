"""How a list is said in a reply, the same on the edge and in the cloud."""

from __future__ import annotations

from collections.abc import Sequence


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``a, b or c`` with ``conjunction="or"``)."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"

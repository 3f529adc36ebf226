"""Envelopes cut to fit a frame: what a sender cannot bound by design (a program's output, a
page's text, a reply quoting what a person said) is shortened in the middle rather than refused
by the other side as ``too_large``. Both sides use it: the edge before sending, the cloud where
it queues a message for an edge."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

from models.envelope import MAX_FRAME_BYTES, Envelope

MARKER = "\n[… {count} characters cut to fit the link …]\n"
MIN_KEPT_CHARS = 64
"""Text shorter than this is not cut further: whatever is too big then is not text."""


def fit_to_frame(envelope: Envelope, limit: int = MAX_FRAME_BYTES) -> tuple[Envelope, str]:
    """``envelope``, or a copy whose longest texts are cut in the middle (the start and the end
    kept, as the runners keep output) until it encodes to at most ``limit`` bytes; and its
    ``encode()``, measured here, so the caller need not encode it again. What is too big for
    other reasons is left as it is, for the cloud to refuse."""
    body: Any = envelope.body
    spent: set[tuple[Any, ...]] = set()
    """Texts cut as far as they go."""
    while True:
        frame = _with(envelope, body).encode()
        over = len(frame.encode("utf-8")) - limit
        if over <= 0:
            break
        found = _longest_text(body, (), spent)
        if found is None:
            break
        path, text = found
        if len(text) <= MIN_KEPT_CHARS:
            spent.add(path)
            continue
        # Characters take 1 byte ("x") to 6 ("\u0001" escaped): cut by this text's average,
        # and the loop takes another slice should its middle be denser than that.
        per_char = len(json.dumps(text, ensure_ascii=False).encode("utf-8")) / len(text)
        cut = min(len(text) - MIN_KEPT_CHARS, math.ceil((over + len(MARKER)) / per_char))
        marker = MARKER.format(count=cut)
        if cut <= len(marker):
            spent.add(path)
            continue
        head = (len(text) - cut) * 3 // 4
        tail = len(text) - cut - head
        body = _replaced(body, path, text[:head] + marker + (text[-tail:] if tail else ""))
    return _with(envelope, body), frame


def _with(envelope: Envelope, body: Any) -> Envelope:
    return envelope if body is envelope.body else dataclasses.replace(envelope, body=body)


def _longest_text(
    value: Any, path: tuple[Any, ...], spent: set[tuple[Any, ...]]
) -> tuple[tuple[Any, ...], str] | None:
    if isinstance(value, str):
        return None if path in spent else (path, value)
    children: Any = ()
    if isinstance(value, Mapping):
        children = value.items()
    elif isinstance(value, list | tuple):
        children = enumerate(value)
    best = None
    for key, item in children:
        found = _longest_text(item, (*path, key), spent)
        if found is not None and (best is None or len(found[1]) > len(best[1])):
            best = found
    return best


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    """A copy of ``value`` with the text at ``path`` replaced (the original is left alone)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(value, Mapping):
        return {**value, key: _replaced(value[key], rest, new)}
    items = list(value)
    items[key] = _replaced(items[key], rest, new)
    return items

"""What the asker hears when a mission ends: a sentence built from its output and checkpoints."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_SPOKEN_CHARS = 240
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def result_text(
    *,
    kind: str,
    steps: Sequence[Mapping[str, Any]],
    summary: str,
    worker_name: str | None,
    ok: bool,
    output: str,
    error: str | None,
    checkpoints: Mapping[int, Mapping[str, Any]],
) -> str:
    """The reply for a finished mission; ``checkpoints`` maps step index to checkpoint data
    (a step finished by a worker that died reports its value there, not in ``output``)."""
    where = f"the {worker_name}" if worker_name else "your device"
    if not ok:
        reason = _trimmed(error or "it failed without saying why").rstrip(".")
        return f"Sorry, I couldn't {summary or 'do that'} on {where}: {reason}."
    last = steps[-1] if steps else {}
    action = str(last.get("action", ""))
    data = checkpoints.get(int(last.get("index", -1)), {})
    if action == "read_title":
        return f"The title is “{_value(data.get('title'), output)}”."
    if action == "read_text":
        text = _value(data.get("text"), output)
        return f"The headline says “{text}”." if text else "The headline is empty."
    if action in ("screenshot", "capture_screen", "take_photo", "record_audio"):
        path = _path(data, output)
        thing = {
            "screenshot": "the screenshot",
            "capture_screen": "the screen capture",
            "take_photo": "the photo",
            "record_audio": "the recording",
        }[action]
        return f"I saved {thing} on {where} at {path}." if path else f"I saved {thing} on {where}."
    if action == "read_file":
        text = _trimmed(output)
        return f"The file says: {text}" if text else "The file is empty."
    if kind == "python":
        text = _trimmed(output)
        return text if text else f"The script finished on {where} without printing anything."
    text = _trimmed(output)
    return text or "Done."


def _value(stored: Any, output: str) -> str:
    if isinstance(stored, str) and stored:
        return _trimmed(stored)
    lines = [line for line in output.splitlines() if line.strip()]
    return _trimmed(lines[-1]) if lines else ""


def _path(data: Mapping[str, Any], output: str) -> str:
    stored = data.get("path")
    if isinstance(stored, str) and stored:
        return stored
    match = re.search(r"(/\S+)", output)
    return match.group(1).rstrip(")") if match else ""


def _trimmed(text: str) -> str:
    """At most two sentences and ``MAX_SPOKEN_CHARS``, on one line."""
    flat = " ".join(text.split())
    sentences = _SENTENCE_END.split(flat)
    short = " ".join(sentences[:2])
    if len(short) > MAX_SPOKEN_CHARS:
        short = short[: MAX_SPOKEN_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return short

"""System status: CPU, memory, battery, disk, or everything at once."""

from __future__ import annotations

from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {"cpu", "processor", "memory", "ram", "battery", "disk", "storage", "drive", "system"}
    | {"computer", "machine", "pc", "device", "status", "health"}
)

ASPECTS = {
    # What a system-status question asks about, as said -> the slot value.
    "cpu": "cpu",
    "processor": "cpu",
    "memory": "memory",
    "ram": "memory",
    "battery": "battery",
    "disk space": "disk",
    "disk": "disk",
    "storage": "disk",
    "hard drive": "disk",
    "drive space": "disk",
}
_ASPECT = rf"(?P<aspect>{'|'.join(ASPECTS)})"
_OWNER = r"(?:(?:the|my|your|this computer's|the computer's|the system's) )?(?:current )?"
_MEASURE_SAID = r" (?:usage|use|load|level|status|utilization|utilisation|percentage|charge|space)"
_MEASURE = rf"(?:{_MEASURE_SAID})?"
_FREE = r"(?:left|remaining|free|available|used|in use|being used)"
_ASPECT_RULES = compile_all(
    # "what is ram" is a knowledge question: after "what is" a measure or "my …" must follow.
    rf"(?:{WHATS}|tell me) {_OWNER}{_ASPECT}{_MEASURE_SAID}(?: now| right now)?",
    rf"{WHATS} (?:my|your|the) (?P<aspect>battery|cpu|memory|disk) (?:at|like)(?: now| right now)?",
    rf"(?:(?:show me|show|check|get|report) {_OWNER})?{_ASPECT}{_MEASURE_SAID}",
    rf"(?:show me|show|check|get|report) {_OWNER}{_ASPECT}{_MEASURE}",
    r"(?P<aspect>battery)",
    rf"how much {_ASPECT}(?: space)? (?:is |do i have |have i got |is there )?{_FREE}",
    rf"how much {_ASPECT}(?: space)? (?:do i have|have i got|is there)",
    rf"how (?:busy|loaded|full) is {_OWNER}{_ASPECT}",
    rf"how(?:'s| is) {_OWNER}{_ASPECT}(?: doing| holding up)?",
)
_MACHINE = r"(?:computer|system|machine|device|pc)"
_GENERAL = compile_all(
    rf"how(?:'s| is) (?:the|my|this) {_MACHINE}(?: doing| running| holding up)?",
    r"(?:system|computer|machine|pc) (?:status|health|check|info)",
    r"(?:check|show|show me|run) (?:the )?system(?: status| health)?|status report",
    rf"{WHATS} the (?:system|computer) status",
)


def match(text: Text) -> Intent | None:
    """``system.status`` with an ``aspect`` when one was named, or ``None``."""
    lower = text.lower
    for pattern in _ASPECT_RULES:
        found = pattern.fullmatch(lower)
        if found is not None:
            return intent(names.SYSTEM_STATUS, aspect=ASPECTS[found["aspect"]])
    if any(p.fullmatch(lower) for p in _GENERAL):
        return intent(names.SYSTEM_STATUS)
    return None


GRAMMAR = phrases(
    "how is the computer doing|system status|cpu usage|what's the cpu usage|memory usage",
    "how much memory is free|battery level|how much battery is left|disk space",
    "how much disk space is left",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

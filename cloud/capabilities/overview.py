"""What Jarvis can do, by topic, for "help" or "what can you do" (an answer; the text is
``cloud.planning.cant.HELP_TEXT``, next to the short "can't" replies it must agree with)."""

from __future__ import annotations

import re

from cloud.capabilities.answer import Answer
from cloud.capabilities.capability import Asked, Capability
from cloud.planning import cant

HELP_TEXT = cant.HELP_TEXT

_HELP = re.compile(r"(?:help|what can you do|what do you do|what are you able to do)(?: for me)?")


def read(asked: Asked) -> Answer | None:
    return Answer(HELP_TEXT) if _HELP.fullmatch(asked.text) else None


CAPABILITY = Capability(name="overview", handles=(), rule=read)

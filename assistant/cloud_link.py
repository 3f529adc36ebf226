"""The port through which the edge forwards what it cannot do itself to the cloud brain."""

from __future__ import annotations

from typing import Protocol

from assistant.errors import CloudUnavailableError
from models import Utterance


class CloudLink(Protocol):
    async def ask(self, utterance: Utterance) -> str:
        """The cloud's reply to ``utterance``; raises CloudUnavailableError when it can't answer."""
        ...


class NoCloudLink:
    """The link while this edge has no connection to a cloud brain: every request fails."""

    async def ask(self, utterance: Utterance) -> str:
        raise CloudUnavailableError("the cloud brain is not reachable")

"""The port through which the edge forwards what it cannot do itself to the cloud brain."""

from __future__ import annotations

from typing import Protocol

from assistant.errors import CloudUnavailableError
from models import Utterance


class CloudLink(Protocol):
    def is_connected(self) -> bool: ...

    async def forward(self, utterance: Utterance) -> None:
        """Hand ``utterance`` over for good: the reply arrives later, as a message.

        Raises CloudUnavailableError only when it can never be delivered (no cloud configured);
        a cloud that is merely down gets it when it returns.
        """
        ...


class NoCloudLink:
    """The link of an edge with no cloud brain configured: every request fails, saying why."""

    def is_connected(self) -> bool:
        return False

    async def forward(self, utterance: Utterance) -> None:
        raise CloudUnavailableError("the cloud brain is not reachable")

"""The port through which the edge forwards what it cannot do itself to the cloud brain."""

from __future__ import annotations

from typing import Protocol

from assistant.errors import CloudUnavailableError
from models import Utterance


class CloudLink(Protocol):
    def is_connected(self) -> bool: ...

    def problem(self) -> str | None:
        """Why the cloud cannot be reached in a way waiting will not mend (it refuses this
        device's token), for a person; None otherwise."""
        ...

    async def forward(self, utterance: Utterance) -> None:
        """Hand ``utterance`` over for good: the reply arrives later, as a message.

        Raises CloudUnavailableError only when it cannot be delivered until a person acts (no
        cloud configured, a token the cloud refuses); a cloud that is merely down gets it when
        it returns.
        """
        ...


class NoCloudLink:
    """The link of an edge with no cloud brain configured: every request fails, saying why."""

    def is_connected(self) -> bool:
        return False

    def problem(self) -> str | None:
        return None

    async def forward(self, utterance: Utterance) -> None:
        raise CloudUnavailableError("the cloud brain is not reachable")


EDGE_ONLY_REASON = (
    "privacy mode keeps everything on this device (JARVIS_EDGE_ONLY), and that needs the cloud"
)


class EdgeOnlyLink:
    """Privacy mode: nothing is ever forwarded; a request that would need the cloud says so."""

    def is_connected(self) -> bool:
        return False

    def problem(self) -> str | None:
        return "privacy mode: nothing is sent to the cloud (JARVIS_EDGE_ONLY)"

    async def forward(self, utterance: Utterance) -> None:
        raise CloudUnavailableError(EDGE_ONLY_REASON)

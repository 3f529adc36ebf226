"""The port through which the edge forwards what it cannot do itself to the cloud brain."""

from __future__ import annotations

from typing import Protocol

from assistant.errors import CloudUnavailableError
from models import Envelope, Utterance


class CloudLink(Protocol):
    def is_connected(self) -> bool: ...

    def problem(self) -> str | None:
        """Why the cloud cannot be reached, for a person: in a way waiting will not mend (it
        refuses this device's token), or a link that keeps failing; None otherwise."""
        ...

    async def forward(self, utterance: Utterance) -> None:
        """Hand ``utterance`` over for good: the reply arrives later, as a message.

        Raises CloudUnavailableError only when it cannot be delivered until a person acts (no
        cloud configured, a token the cloud refuses); a cloud that is merely down gets it when
        it returns.
        """
        ...

    async def share(self, envelope: Envelope) -> bool:
        """Hand the cloud something it keeps for all devices (a taught phrase), delivered when
        it can be; False when this edge has no cloud, so it stays here."""
        ...


class NoCloudLink:
    """The link of an edge with no cloud brain configured: every request fails, saying why."""

    def is_connected(self) -> bool:
        return False

    def problem(self) -> str | None:
        return None

    async def forward(self, utterance: Utterance) -> None:
        raise CloudUnavailableError("the cloud brain is not reachable")

    async def share(self, envelope: Envelope) -> bool:
        return False


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

    async def share(self, envelope: Envelope) -> bool:
        return False  # privacy mode: a taught phrase stays on this device

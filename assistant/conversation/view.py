"""The conversation as the HTTP API and the console read it: this device's status, and an
utterance's record as the API shows it."""

from __future__ import annotations

from typing import Any

from assistant.cloud_link import CloudLink, NoCloudLink
from assistant.conversation.identity import Identity
from assistant.history import History, UtteranceRecord
from assistant.skills import Skills


class ConversationView:
    """Reads; changes nothing."""

    def __init__(
        self, *, identity: Identity, skills: Skills, history: History, cloud: CloudLink
    ) -> None:
        self._identity = identity
        self._skills = skills
        self._history = history
        self._cloud = cloud

    def status(self) -> dict[str, Any]:
        return {
            "device_id": self._identity.device_id,
            "device_name": self._identity.device_name,
            "cloud": {
                "configured": not isinstance(self._cloud, NoCloudLink),
                "connected": self._cloud.is_connected(),
                "problem": self._cloud.problem(),
            },
            "home_assistant": self._skills.home.status(),
        }

    async def lookup(self, utterance_id: str) -> UtteranceRecord | None:
        return await self._history.get(utterance_id)

    async def describe(self, record: UtteranceRecord) -> dict[str, Any]:
        """The record as the API shows it, with when a later event for it is due (a timer)."""
        view = record.view()
        timer_ends_at = await self._skills.follow_up_at(record.id)
        if timer_ends_at is not None:
            view["follow_up_at"] = timer_ends_at
        return view

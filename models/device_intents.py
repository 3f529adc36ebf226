"""A local intent the cloud found in a forwarded request, sent back for the asking device to run.

The cloud's second chance (``cloud.planning.second_chance``) understands again what the edge
forwarded;
when it is one of the asking edge's own intents after all, only the intent's name and the words
travel back: the edge fills the slots with its own extractors and runs it as if understood
there. An edge says which intents it runs in its hello, as ``intent:<name>`` capabilities.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import ClassVar

from models.codec import WireValue
from models.missions import NonEmpty

DEVICE_INTENT = "device_intent"
"""The envelope type (``models.messages.MessageType.DEVICE_INTENT``); its id is derived from the
request's (``derived_id(request, type)``)."""
INTENT_CAPABILITY = "intent:"


def intent_capabilities(intents: Iterable[str]) -> frozenset[str]:
    """The capabilities that tell the cloud which intents a device runs."""
    return frozenset(f"{INTENT_CAPABILITY}{name}" for name in intents)


def intents_of(capabilities: Collection[str]) -> frozenset[str]:
    """The intents a device runs, from the capabilities it said in its hello."""
    return frozenset(
        capability.removeprefix(INTENT_CAPABILITY)
        for capability in capabilities
        if capability.startswith(INTENT_CAPABILITY)
    )


@dataclass(frozen=True, slots=True)
class DeviceIntent(WireValue):
    """Run ``intent`` for the forwarded utterance ``utterance_id``, its slots from ``text``."""

    WIRE_NAME: ClassVar[str] = "body"

    utterance_id: NonEmpty
    intent: NonEmpty
    text: str
    """The words the user said, as forwarded: the edge's extractors read the slots from them."""
    confidence: float
    """The cloud model's probability for ``intent``, 0–1."""

"""The device_intent message and the intent capabilities an edge says in its hello."""

from __future__ import annotations

import pytest

from models import DecodeError
from models.device_intents import DeviceIntent, intent_capabilities, intents_of


def test_a_device_intent_survives_the_wire() -> None:
    """What the cloud sends is what the edge reads."""
    sent = DeviceIntent("u1", "list.show", "what groceries do i still need", 0.69)
    assert DeviceIntent.from_wire(sent.to_wire()) == sent


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"utterance_id": "", "intent": "list.show", "text": "x", "confidence": 1}, "utterance_id"),
        ({"utterance_id": "u", "intent": 3, "text": "x", "confidence": 1}, "intent"),
        ({"utterance_id": "u", "intent": "list.show", "text": "x"}, "confidence"),
    ],
)
def test_a_bad_body_names_its_field(body: dict[str, object], field: str) -> None:
    """A malformed message is refused with the field at fault, never half-run."""
    with pytest.raises(DecodeError) as caught:
        DeviceIntent.from_wire(body)
    assert caught.value.field == f"body.{field}"


def test_intents_round_trip_through_capabilities() -> None:
    """Only ``intent:`` capabilities name intents; mission capabilities are left alone."""
    offered = intent_capabilities(["list.show", "timer.start"]) | {"python", "browser"}
    assert intents_of(offered) == {"list.show", "timer.start"}
    assert intents_of(["python"]) == frozenset()

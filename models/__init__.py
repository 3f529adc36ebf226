"""The shared domain: values both the edge and the cloud speak. Standard library only, no I/O."""

from models._wire import strict_json, unstorable_character
from models.conversation import Intent, Reply, Utterance, WakeHeard
from models.devices import Device, Location
from models.envelope import (
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    REFUSED_FOR_GOOD,
    Envelope,
    derived_id,
    new_id,
)
from models.errors import DecodeError
from models.missions import Checkpoint, Mission, MissionKind, MissionResult, MissionState, Step
from models.phrases import TaughtPhrase, phrase_key, phrases_from_wire, phrases_to_wire

__all__ = [
    "MAX_FRAME_BYTES",
    "PROTOCOL_VERSION",
    "REFUSED_FOR_GOOD",
    "Checkpoint",
    "DecodeError",
    "Device",
    "Envelope",
    "Intent",
    "Location",
    "Mission",
    "MissionKind",
    "MissionResult",
    "MissionState",
    "Reply",
    "Step",
    "TaughtPhrase",
    "Utterance",
    "WakeHeard",
    "derived_id",
    "new_id",
    "phrase_key",
    "phrases_from_wire",
    "phrases_to_wire",
    "strict_json",
    "unstorable_character",
]

"""Every message the edge and the cloud exchange, typed: one body type per message type, and a
tagged union on ``type`` that reads an ``Envelope`` into the message it carries.

The wire is the envelope of ``models.envelope`` (``{"v", "type", "id", "trace_id", "ts",
"body"}``), unchanged: ``read(envelope)`` checks its body against the type its ``type`` names
and gives a ``Message`` whose ``body`` mypy knows field by field; ``envelope(body)`` makes the
envelope for a body, its type found from the body's class. A wrong body is a DecodeError naming
the field (``body.mission.steps[1].action``), an unknown type an UnknownTypeError.
"""

from __future__ import annotations

import enum
import time
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from models.codec import decode_error, from_wire, to_wire
from models.conversation import Reply, Utterance
from models.device_intents import DEVICE_INTENT, DeviceIntent
from models.devices import Device, Location
from models.envelope import PROTOCOL_VERSION, Envelope, new_id
from models.errors import DecodeError, UnknownTypeError
from models.missions import Checkpoint, Mission, NonEmpty
from models.phrases import TaughtPhrase
from models.settings import DeviceSettings
from models.weather import Forecast

B = TypeVar("B")


class MessageType(enum.StrEnum):
    """The ``type`` of every envelope; a member is the very string on the wire."""

    HELLO = "hello"
    """edge → cloud, first on every link: who the device is."""
    WELCOME = "welcome"
    """cloud → edge, the answer to ``hello``."""
    REQUEST = "request"
    """edge → cloud: an utterance the edge did not handle itself."""
    REPLY = "reply"
    """cloud → edge: something to say."""
    ACK = "ack"
    """either way: these message ids arrived and were handled."""
    ERROR = "error"
    """either way: the message ``ref`` could not be handled (``REFUSED_FOR_GOOD`` codes: ever)."""
    HEARTBEAT = "heartbeat"
    """edge → cloud: alive, with its load."""
    COMMAND = "command"
    """cloud → edge: run this text as a local command for another device."""
    COMMAND_RESULT = "command_result"
    """edge → cloud: what that command answered."""
    CONFIG = "config"
    """cloud → edge: the device's settings (with its forecast, when it has a place)."""
    PHRASES = "phrases"
    """cloud → edge: every taught phrase."""
    PHRASES_UPDATE = "phrases_update"
    """edge → cloud: teach or forget one phrase."""
    DEVICE_INTENT = DEVICE_INTENT
    """cloud → edge: one of the edge's own intents, found in a request it forwarded."""
    MISSION = "mission"
    """cloud → worker: a mission to run (or resume)."""
    MISSION_CANCEL = "mission_cancel"
    """cloud → worker: stop that attempt."""
    CHECKPOINT = "checkpoint"
    """worker → cloud: a step is done."""
    MISSION_RESULT = "mission_result"
    """worker → cloud: how the mission ended."""
    TRACE_EVENT = "trace_event"
    """edge → cloud: one event of a trace, on the edge's clock."""


MAX_ATTEMPT = 2**31 - 1
"""The largest attempt number the cloud's ``integer`` column holds."""
Attempt = Annotated[int, msgspec.Meta(ge=0, le=MAX_ATTEMPT)]
MessageId = Annotated[str, msgspec.Meta(min_length=1)]


class _Body(msgspec.Struct, frozen=True):
    """A message body; fields a newer sender adds are ignored, so old peers keep talking."""

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire(self)
        return wire


class DeviceOnWire(msgspec.Struct, frozen=True):
    """A ``models.Device`` as ``hello`` says it: all but the location required, as ever."""

    capabilities: frozenset[str]
    id: str
    name: str
    location: Location | None = None

    @classmethod
    def of(cls, device: Device) -> DeviceOnWire:
        return cls(device.capabilities, device.id, device.name, device.location)

    def device(self) -> Device:
        return Device(self.id, self.name, self.capabilities, self.location)


class HelloBody(_Body, frozen=True):
    device: DeviceOnWire
    version: str
    """The edge's software version."""


class WelcomeBody(_Body, frozen=True):
    instance_id: str
    """The cloud instance that holds the link."""
    heartbeat_s: float = 10.0
    """How often the edge says ``heartbeat``."""
    config: DeviceSettings | None = None
    phrases: list[Any] | None = None
    """Taught phrases, read one by one by ``phrases_from_wire``: a bad one is logged, and the
    link goes on (a welcome is never refused)."""


class RequestBody(_Body, frozen=True):
    utterance: Utterance


class AckBody(_Body, frozen=True):
    ids: list[str]


class ErrorBody(_Body, frozen=True):
    """A refusal of the message ``ref`` (null when its id could not be read)."""

    code: str
    message: str = ""
    ref: str | None = None


class Load(msgspec.Struct, frozen=True):
    cpu_percent: float
    """Percent of all cores, 0-100."""
    memory_percent: float


class HeartbeatBody(_Body, frozen=True):
    load: Load


class ReplyTo(msgspec.Struct, frozen=True):
    device_id: str
    utterance_id: str


class CommandBody(_Body, frozen=True):
    request_id: str
    text: str
    """The words to run, as if said on this device."""
    reply_to: ReplyTo | None = None


class CommandResultBody(_Body, frozen=True):
    request_id: str
    text: str
    """What the command answered, to be said on the device that asked."""


class ConfigBody(_Body, frozen=True, omit_defaults=True):
    settings: DeviceSettings
    weather: Forecast | None = None
    """The device's own forecast, pushed with its settings (``models.weather``)."""


class PhrasesBody(_Body, frozen=True):
    phrases: tuple[TaughtPhrase, ...]


class PhrasesUpdateBody(_Body, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Teach one phrase (replacing an earlier meaning), or forget one by its key."""

    teach: TaughtPhrase | None = None
    forget: str | None = None

    def __post_init__(self) -> None:
        if (self.teach is None) == (self.forget is None):
            raise ValueError("expected exactly one of teach or forget")


class MissionBody(_Body, frozen=True):
    """A mission for a worker: run it, skipping the steps already done."""

    mission: Mission
    done_steps: frozenset[int] = frozenset()
    attempt: int = 1
    """Counts the times the cloud handed the mission out; reports carry it back."""

    @property
    def key(self) -> tuple[str, int]:
        return (self.mission.id, self.attempt)


class MissionCancelBody(_Body, frozen=True):
    mission_id: NonEmpty
    attempt: int
    reason: str | None = None


class MissionResultBody(_Body, frozen=True):
    """``models.MissionResult`` and the attempt it ends."""

    mission_id: NonEmpty
    ok: bool
    output: str = ""
    error: str | None = None
    attempt: Attempt | None = None
    """Optional: older workers do not say."""


class CheckpointBody(_Body, frozen=True):
    """``models.Checkpoint`` and the attempt that reached it."""

    mission_id: NonEmpty
    step_index: int
    name: NonEmpty
    data: dict[str, str | int | float | bool | None] = {}
    ts: float = 0.0
    attempt: Attempt | None = None

    def checkpoint(self) -> Checkpoint:
        return Checkpoint(self.mission_id, self.step_index, self.name, self.data, self.ts)


class TraceEventBody(_Body, frozen=True):
    trace_id: str
    kind: str
    ts: float
    """Seconds since the epoch, on the edge's clock."""
    detail: dict[str, Any] = {}


# The tagged union: one message class per type, told apart by ``type``.


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """A typed envelope: the header fields and a typed ``body``."""

    id: MessageId
    trace_id: str
    ts: float = 0.0
    v: int = PROTOCOL_VERSION


class Hello(Message, tag=MessageType.HELLO.value, frozen=True):
    body: HelloBody


class Welcome(Message, tag=MessageType.WELCOME.value, frozen=True):
    body: WelcomeBody


class Request(Message, tag=MessageType.REQUEST.value, frozen=True):
    body: RequestBody


class ReplyMessage(Message, tag=MessageType.REPLY.value, frozen=True):
    body: Reply


class Ack(Message, tag=MessageType.ACK.value, frozen=True):
    body: AckBody


class ErrorMessage(Message, tag=MessageType.ERROR.value, frozen=True):
    body: ErrorBody


class Heartbeat(Message, tag=MessageType.HEARTBEAT.value, frozen=True):
    body: HeartbeatBody


class Command(Message, tag=MessageType.COMMAND.value, frozen=True):
    body: CommandBody


class CommandResult(Message, tag=MessageType.COMMAND_RESULT.value, frozen=True):
    body: CommandResultBody


class Config(Message, tag=MessageType.CONFIG.value, frozen=True):
    body: ConfigBody


class Phrases(Message, tag=MessageType.PHRASES.value, frozen=True):
    body: PhrasesBody


class PhrasesUpdate(Message, tag=MessageType.PHRASES_UPDATE.value, frozen=True):
    body: PhrasesUpdateBody


class DeviceIntentMessage(Message, tag=MessageType.DEVICE_INTENT.value, frozen=True):
    body: DeviceIntent


class MissionMessage(Message, tag=MessageType.MISSION.value, frozen=True):
    body: MissionBody


class MissionCancel(Message, tag=MessageType.MISSION_CANCEL.value, frozen=True):
    body: MissionCancelBody


class CheckpointMessage(Message, tag=MessageType.CHECKPOINT.value, frozen=True):
    body: CheckpointBody


class MissionResultMessage(Message, tag=MessageType.MISSION_RESULT.value, frozen=True):
    body: MissionResultBody


class TraceEvent(Message, tag=MessageType.TRACE_EVENT.value, frozen=True):
    body: TraceEventBody


AnyMessage = (
    Hello
    | Welcome
    | Request
    | ReplyMessage
    | Ack
    | ErrorMessage
    | Heartbeat
    | Command
    | CommandResult
    | Config
    | Phrases
    | PhrasesUpdate
    | DeviceIntentMessage
    | MissionMessage
    | MissionCancel
    | CheckpointMessage
    | MissionResultMessage
    | TraceEvent
)
"""Every message; ``read`` tells them apart by ``type``."""

MESSAGES: Mapping[MessageType, type[Message]] = {
    MessageType(member.__struct_config__.tag): member for member in typing.get_args(AnyMessage)
}
BODY_TYPES: Mapping[str, type] = {
    kind: typing.get_type_hints(member)["body"] for kind, member in MESSAGES.items()
}
"""The body type of each message type."""
_TYPE_OF_BODY: Mapping[type, MessageType] = {
    typing.get_type_hints(member)["body"]: kind for kind, member in MESSAGES.items()
}


def read(envelope: Envelope) -> AnyMessage:
    """The typed message ``envelope`` carries. UnknownTypeError for a type nobody sends;
    DecodeError naming the field (``body.utterance.text``) for a body that is not its type's."""
    wire = {
        "type": envelope.type,
        "id": envelope.id,
        "trace_id": envelope.trace_id,
        "ts": envelope.ts,
        "v": envelope.v,
        "body": envelope.body,
    }
    if envelope.type not in MESSAGES:
        known = ", ".join(sorted(MESSAGES))
        raise UnknownTypeError(
            "type", f"unknown message type {envelope.type!r}; expected one of {known}"
        )
    try:
        message: AnyMessage = msgspec.convert(wire, AnyMessage)
    except msgspec.ValidationError as error:
        raise decode_error(error, wire, MESSAGES[MessageType(envelope.type)], "") from None
    return message


def body_of(envelope: Envelope, kind: type[B]) -> B:
    """``envelope``'s body as ``kind``, the body type of its message type; DecodeError
    naming the field otherwise (a handler that knows what it handles reads it so)."""
    expected = BODY_TYPES.get(envelope.type)
    if expected is None or not issubclass(kind, expected):
        raise DecodeError("type", f"a {envelope.type!r} message has no {kind.__name__} body")
    return from_wire(envelope.body, kind, "body")


def type_of(body: object) -> MessageType:
    """The message type whose body ``body`` is."""
    for cls in type(body).__mro__:
        if cls in _TYPE_OF_BODY:
            return _TYPE_OF_BODY[cls]
    raise TypeError(f"{type(body).__name__} is the body of no message")


def envelope(
    body: object, *, trace_id: str | None = None, id: str | None = None, ts: float | None = None
) -> Envelope:
    """The envelope that carries ``body``, its ``type`` the one ``body`` is the body of."""
    return Envelope(
        type=type_of(body).value,
        body=to_wire(body),
        id=new_id() if id is None else id,
        trace_id=new_id() if trace_id is None else trace_id,
        ts=time.time() if ts is None else ts,
    )

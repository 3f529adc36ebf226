"""Typed wire messages: every type round-trips through a real frame, and bad bodies are refused
with the field at fault."""

from __future__ import annotations

import json
import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import (
    Checkpoint,
    DecodeError,
    Device,
    Envelope,
    Intent,
    Location,
    Mission,
    MissionKind,
    Reply,
    Step,
    TaughtPhrase,
    Utterance,
)
from models._wire import strict_json
from models.device_intents import DeviceIntent
from models.envelope import MAX_FRAME_BYTES, readable_id, too_large
from models.errors import UnknownTypeError
from models.messages import (
    BODY_TYPES,
    MESSAGES,
    AckBody,
    AnyMessage,
    CheckpointBody,
    CommandBody,
    CommandResultBody,
    ConfigBody,
    DeviceOnWire,
    ErrorBody,
    HeartbeatBody,
    HelloBody,
    Load,
    MessageType,
    MissionBody,
    MissionCancelBody,
    MissionResultBody,
    PhrasesBody,
    PhrasesUpdateBody,
    ReplyTo,
    RequestBody,
    TraceEventBody,
    WelcomeBody,
    body_of,
    envelope,
    read,
)
from models.settings import DeviceSettings
from models.weather import CurrentWeather, DayWeather, Forecast

MISSION = Mission(
    id="m1",
    kind=MissionKind.BROWSER,
    steps=(Step(0, "goto", {"url": "https://example.org"}, "k0"),),
    idempotency_key="k",
    trace_id="t",
    capabilities=frozenset({"browser"}),
)
PHRASE = TaughtPhrase("movie time", "pause the music", (Intent("media.pause"),))
FORECAST = Forecast(
    "Lisbon",
    38.7,
    -9.1,
    "Europe/Lisbon",
    1.0,
    CurrentWeather("2026-12-02T13:00", 16.5, 3),
    (DayWeather("2026-12-02", 61, 12.0, 17.5, 2.5),),
)
FAR_DEVICE = {"id": "d", "name": "n", "capabilities": []}
BODIES: dict[MessageType, object] = {
    MessageType.HELLO: HelloBody(
        DeviceOnWire.of(Device("d1", "kitchen", frozenset({"python"}), Location(1, 2))), "1"
    ),
    MessageType.WELCOME: WelcomeBody("i1", 10.0, DeviceSettings(timezone="UTC"), []),
    MessageType.REQUEST: RequestBody(Utterance("u1", "what is the weather", "t1", "d1")),
    MessageType.REPLY: Reply("hi", "u1", follow_up_at=5.0, awaiting_confirmation=True),
    MessageType.ACK: AckBody(["a", "b"]),
    MessageType.ERROR: ErrorBody("too_large", "frames hold 65536 bytes", "a"),
    MessageType.HEARTBEAT: HeartbeatBody(Load(12.5, 40.0)),
    MessageType.COMMAND: CommandBody("r1", "pause the music", ReplyTo("d2", "u2")),
    MessageType.COMMAND_RESULT: CommandResultBody("r1", "Paused."),
    MessageType.CONFIG: ConfigBody(DeviceSettings(volume=40, place="Lisbon"), FORECAST),
    MessageType.PHRASES: PhrasesBody((PHRASE,)),
    MessageType.PHRASES_UPDATE: PhrasesUpdateBody(teach=PHRASE),
    MessageType.DEVICE_INTENT: DeviceIntent("u1", "list.show", "what is on my list", 0.7),
    MessageType.MISSION: MissionBody(MISSION, frozenset({0}), 2),
    MessageType.MISSION_CANCEL: MissionCancelBody("m1", 2, "cancelled"),
    MessageType.CHECKPOINT: CheckpointBody("m1", 0, "page_loaded", {"title": "x"}, 3.0, 2),
    MessageType.MISSION_RESULT: MissionResultBody("m1", True, "done", None, 2),
    MessageType.TRACE_EVENT: TraceEventBody("t1", "mission.started", 4.0, {"mission_id": "m1"}),
}


def test_every_message_type_has_an_example_here() -> None:
    """The table above covers every type on the wire, so the round trip below covers them all."""
    assert set(BODIES) == set(MessageType) == set(MESSAGES)
    assert len(typing.get_args(AnyMessage)) == len(MessageType)


@pytest.mark.parametrize("kind", list(MessageType))
def test_every_message_type_round_trips_through_a_frame(kind: MessageType) -> None:
    """A body put in an envelope, encoded, decoded and read is the same body, of its type."""
    sent = envelope(BODIES[kind], trace_id="t1")
    assert sent.type == kind.value
    message = read(Envelope.decode(sent.encode()))
    assert isinstance(message, MESSAGES[kind])
    assert message.body == BODIES[kind]
    assert (message.id, message.trace_id) == (sent.id, sent.trace_id)
    assert body_of(sent, BODY_TYPES[kind]) == BODIES[kind]


def test_bodies_keep_the_wire_format_of_before() -> None:
    """The typed bodies write the very objects the hand-written codecs wrote."""
    reply = envelope(Reply("hi"))
    assert reply.body == {
        "text": "hi",
        "utterance_id": None,
        "kind": "reply",
        "follow_up_at": None,
        "awaiting_confirmation": False,
    }
    day = json.loads(envelope(BODIES[MessageType.CONFIG]).encode())["body"]["weather"]["days"][0]
    assert day == {
        "date": "2026-12-02",
        "code": 61,
        "min_c": 12.0,
        "max_c": 17.5,
        "precipitation_mm": 2.5,
    }
    assert envelope(BODIES[MessageType.CONFIG]).body["settings"] == {
        "volume": 40,
        "place": "Lisbon",
    }
    hello = envelope(BODIES[MessageType.HELLO]).body
    assert hello["device"] == {
        "id": "d1",
        "name": "kitchen",
        "capabilities": ["python"],
        "location": {"lat": 1, "lon": 2},
    }


@pytest.mark.parametrize(
    ("kind", "body", "field", "problem"),
    [
        ("reply", {"text": 3}, "body.text", "expected a string, got an integer"),
        ("ack", {"ids": "a"}, "body.ids", "expected a list, got a string"),
        (
            "heartbeat",
            {"load": {"cpu_percent": "high", "memory_percent": 1}},
            "body.load.cpu_percent",
            "expected a number",
        ),
        (
            "request",
            {"utterance": {"id": "u", "trace_id": "t"}},
            "body.utterance.text",
            "is missing",
        ),
        ("mission_result", {"mission_id": "m", "ok": "yes"}, "body.ok", "expected true or false"),
        (
            "mission_result",
            {"mission_id": "m", "ok": True, "attempt": 2**40},
            "body.attempt",
            "<= 2147483647",
        ),
        (
            "checkpoint",
            {"mission_id": "", "step_index": 0, "name": "n"},
            "body.mission_id",
            "must not be empty",
        ),
        ("config", {"settings": {"volume": 101}}, "body.settings.volume", "<= 100"),
        (
            "config",
            {"settings": {"temperature_unit": "kelvin"}},
            "body.settings.temperature_unit",
            "'kelvin' is not one of celsius, fahrenheit",
        ),
        (
            "mission",
            {"mission": {**MISSION.to_wire(), "kind": "teleport"}},
            "body.mission.kind",
            "is not one of python, browser",
        ),
        (
            "phrases",
            {
                "phrases": [
                    {"phrase": "x", "actions": "y", "intents": [{"name": "a", "slots": {"s": [1]}}]}
                ]
            },
            "body.phrases[0].intents[0].slots.s",
            "expected a scalar",
        ),
        (
            "phrases_update",
            {"teach": PHRASE.to_wire(), "forget": "x"},
            "body",
            "exactly one of teach or forget",
        ),
        (
            "hello",
            {
                "device": {
                    "id": "d",
                    "name": "n",
                    "capabilities": [],
                    "location": {"lat": 91, "lon": 0},
                },
                "version": "1",
            },
            "body.device.location.lat",
            "outside -90..90",
        ),
    ],
)
def test_a_wrong_body_is_refused_naming_the_field(
    kind: str, body: dict[str, object], field: str, problem: str
) -> None:
    """A body that is not its type's is a DecodeError whose field is the one at fault."""
    with pytest.raises(DecodeError) as caught:
        read(Envelope(kind, body))
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_an_unknown_type_is_refused_naming_the_known_ones() -> None:
    """A type no message has is an UnknownTypeError that lists the types there are."""
    with pytest.raises(
        UnknownTypeError, match=r"^type: unknown message type 'teleport'; expected one of ack, "
    ):
        read(Envelope("teleport", {}))


def test_fields_a_newer_peer_adds_are_ignored() -> None:
    """An old build reads a newer peer's body, its new fields left aside."""
    message = read(Envelope("ack", {"ids": ["a"], "batch": 7}))
    assert message.body == AckBody(["a"])


def test_strict_json_still_guards_typed_messages() -> None:
    """NaN, 1e999 and NUL are refused at the frame, before any body is typed."""
    for bad in ('{"ids": NaN}', '{"ids": 1e999}', r'{"ids": ["\u0000"]}'):
        raw = '{"v": 1, "type": "ack", "id": "a", "trace_id": "t", "ts": 1, "body": ' + bad + "}"
        with pytest.raises(DecodeError):
            Envelope.decode(raw)


def test_checkpoint_body_gives_the_domain_checkpoint() -> None:
    """A checkpoint message's body is the worker's checkpoint, plus the attempt it belongs to."""
    body = BODIES[MessageType.CHECKPOINT]
    assert isinstance(body, CheckpointBody)
    assert body.checkpoint() == Checkpoint("m1", 0, "page_loaded", {"title": "x"}, 3.0)


def test_a_value_that_is_no_body_has_no_envelope() -> None:
    """Only message bodies travel: anything else is a programming error, said at once."""
    with pytest.raises(TypeError, match="is the body of no message"):
        envelope(Intent("time.now"))


storable_text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | storable_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(storable_text, inner, max_size=3),
)


@given(json_values)
def test_the_fast_json_reader_reads_what_python_reads(value: object) -> None:
    """Frames are read by msgspec first: any JSON value comes back as Python's reader gives it."""
    for raw in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert strict_json(raw) == json.loads(raw)


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        ('{"v": 2, "id": "abc-1", "type": 3}', "abc-1"),
        ('{"id": "not an id"}', None),
        ('{"id": 7}', None),
        ("[1, 2]", None),
        ("{not json", None),
    ],
)
def test_the_id_of_a_refused_frame_is_read_when_well_formed(raw: str, found: str | None) -> None:
    """Both sides name a frame they refuse by its id, only when it is an id at all."""
    assert readable_id(raw) == found


def test_frames_are_measured_in_utf8_bytes() -> None:
    """A frame is too large by its UTF-8 size, not its length in characters."""
    assert not too_large("a" * MAX_FRAME_BYTES)
    assert too_large("a" * (MAX_FRAME_BYTES + 1))
    assert too_large("é" * (MAX_FRAME_BYTES // 2 + 1))


def test_a_body_is_read_only_as_its_own_type() -> None:
    """Reading a body as another type's is refused: a handler cannot misread a message."""
    with pytest.raises(DecodeError, match=r"^type: a 'ack' message has no RequestBody body"):
        body_of(Envelope("ack", {"ids": []}), RequestBody)

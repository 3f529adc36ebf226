"""The shared domain: round trips over the wire, and clear errors for bad input."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import (
    PROTOCOL_VERSION,
    Checkpoint,
    DecodeError,
    Device,
    Envelope,
    Intent,
    Location,
    Mission,
    MissionKind,
    MissionResult,
    Reply,
    Step,
    Utterance,
    WakeHeard,
)

text = st.text(max_size=30)
storable_text = st.text(st.characters(blacklist_characters="\x00"), max_size=30)
"""Text an envelope may carry: no NUL (and hypothesis draws no lone surrogates)."""
ids = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), finite, text)
scalar_maps = st.dictionaries(text, scalars, max_size=5)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3)
)
locations = st.builds(
    Location,
    lat=st.floats(-90, 90, allow_nan=False),
    lon=st.floats(-180, 180, allow_nan=False),
)
devices = st.builds(
    Device,
    id=ids,
    name=text,
    capabilities=st.frozensets(text, max_size=4),
    location=st.none() | locations,
)
steps = st.builds(
    Step,
    index=st.integers(0, 100),
    action=text.filter(bool),
    params=scalar_maps,
    idempotency_key=ids,
)
missions = st.builds(
    Mission,
    id=ids,
    kind=st.sampled_from(MissionKind),
    steps=st.lists(steps, max_size=4).map(tuple),
    idempotency_key=ids,
    trace_id=ids,
    requested_by=st.none() | ids,
    capabilities=st.frozensets(text, max_size=3),
    device_name=st.none() | text,
)
checkpoints = st.builds(
    Checkpoint,
    mission_id=ids,
    step_index=st.integers(0, 100),
    name=text.filter(bool),
    data=scalar_maps,
    ts=finite,
)
results = st.builds(
    MissionResult, mission_id=ids, ok=st.booleans(), output=text, error=st.none() | text
)
utterances = st.builds(
    Utterance,
    id=ids,
    text=text,
    trace_id=ids,
    device_id=st.none() | ids,
    session_id=st.none() | ids,
    ts=finite,
)
intents = st.builds(Intent, name=text, slots=scalar_maps)
replies = st.builds(
    Reply,
    text=text,
    utterance_id=st.none() | ids,
    kind=text,
    follow_up_at=st.none() | finite,
    awaiting_confirmation=st.booleans(),
    woke=st.none() | st.builds(WakeHeard, by=text, score=finite, voice=st.none() | text),
)
storable_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), finite, storable_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(storable_text, inner, max_size=3),
)
envelopes = st.builds(
    Envelope,
    type=storable_text.filter(bool),
    body=st.dictionaries(storable_text, storable_values, max_size=4),
    id=ids,
    trace_id=ids,
    ts=finite,
)


def _through_json(wire: dict[str, object]) -> object:
    return json.loads(json.dumps(wire))


@pytest.mark.parametrize(
    ("kind", "strategy"),
    [
        (Utterance, utterances),
        (Intent, intents),
        (Reply, replies),
        (Location, locations),
        (Device, devices),
        (Step, steps),
        (Mission, missions),
        (Checkpoint, checkpoints),
        (MissionResult, results),
    ],
)
@given(data=st.data())
def test_values_survive_a_json_round_trip(
    kind: type, strategy: st.SearchStrategy, data: st.DataObject
) -> None:  # type: ignore[type-arg]
    """Every domain value decodes from its own JSON wire form to an equal value."""
    value = data.draw(strategy)
    assert kind.from_wire(_through_json(value.to_wire())) == value


@given(envelopes)
def test_envelope_round_trip(envelope: Envelope) -> None:
    """An encoded envelope decodes to the same envelope."""
    assert Envelope.decode(envelope.encode()) == envelope


@pytest.mark.parametrize(
    ("raw", "field", "problem"),
    [
        (r'{"text": "hi\u0000"}', "body.text", "NUL"),
        (r'{"a": {"b\u0000": 1}}', "body.a.b\ufffd", "keys must not hold NUL"),
        (r'{"list": ["ok", "\ud800"]}', "body.list[1]", "lone surrogates"),
        (r'{"x": "\uDC00 alone"}', "body.x", "lone surrogates"),
        ('{"x": NaN}', "$", "NaN is not a JSON value"),
        ('{"x": -Infinity}', "$", "-Infinity is not a JSON value"),
        ('{"x": 1e999}', "$", "1e999 is out of range"),
    ],
)
def test_text_no_store_can_hold_is_refused_by_field(raw: str, field: str, problem: str) -> None:
    """NUL, lone surrogates and non-finite numbers are refused when decoded, naming the field:
    otherwise they pass here and fail in PostgreSQL, where the sender cannot hear why."""
    envelope = '{"v": 1, "type": "x", "id": "a", "trace_id": "t", "ts": 1, "body": ' + raw + "}"
    with pytest.raises(DecodeError) as caught:
        Envelope.decode(envelope)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_escaped_surrogate_pairs_and_a_literal_backslash_u_are_fine() -> None:
    """A surrogate pair is one character, and the text ``\\u0000`` is six storable ones."""
    raw = r'{"v": 1, "type": "x", "id": "a", "trace_id": "t", "ts": 1,'
    raw += r' "body": {"emoji": "\ud83d\ude00", "literal": "\\u0000"}}'
    assert Envelope.decode(raw).body == {"emoji": "😀", "literal": "\\u0000"}


def test_a_frame_nested_too_deeply_is_refused_not_crashed() -> None:
    with pytest.raises(DecodeError, match="nested too deeply"):
        Envelope.decode("[" * 100_000)


def test_envelope_has_the_wire_fields_of_the_design() -> None:
    """The encoded envelope is exactly {"v", "type", "id", "trace_id", "ts", "body"}."""
    wire = json.loads(Envelope("hello", {"name": "kitchen"}).encode())
    assert set(wire) == {"v", "type", "id", "trace_id", "ts", "body"}
    assert wire["v"] == PROTOCOL_VERSION


def test_unknown_envelope_version_is_refused_by_name() -> None:
    """A future protocol version is refused with a message naming `v` and both versions."""
    raw = Envelope("hello", {}).encode().replace('"v":1', '"v":2')
    with pytest.raises(
        DecodeError, match=r"^v: unsupported envelope version 2; this build speaks 1"
    ):
        Envelope.decode(raw)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("{not json", "$"),
        ("[]", "$"),
        ('{"v": 1, "type": "x", "id": "a", "trace_id": "t", "ts": 1}', "body"),
        ('{"v": 1, "type": "", "id": "a", "trace_id": "t", "ts": 1, "body": {}}', "type"),
        ('{"v": 1, "type": "x", "id": 7, "trace_id": "t", "ts": 1, "body": {}}', "id"),
        ('{"v": 1, "type": "x", "id": "a", "trace_id": "t", "ts": "now", "body": {}}', "ts"),
        ('{"v": "1", "type": "x", "id": "a", "trace_id": "t", "ts": 1, "body": {}}', "v"),
        ('{"type": "x", "id": "a", "trace_id": "t", "ts": 1, "body": {}}', "v"),
        ('{"v": 1, "type": "x", "id": "a", "trace_id": "t", "ts": 1, "body": []}', "body"),
    ],
)
def test_bad_envelopes_name_the_offending_field(raw: str, field: str) -> None:
    """Every malformed envelope raises DecodeError whose field is the one at fault."""
    with pytest.raises(DecodeError) as caught:
        Envelope.decode(raw)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_nested_errors_carry_the_full_path() -> None:
    """A bad value deep inside a mission names its path, e.g. mission.steps[1].action."""
    good = {"index": 0, "action": "goto", "params": {}, "idempotency_key": "k"}
    wire = Mission(
        id="m", kind=MissionKind.BROWSER, steps=(), idempotency_key="k", trace_id="t"
    ).to_wire()
    wire["steps"] = [good, {**good, "action": 3}]
    with pytest.raises(DecodeError, match=r"^mission\.steps\[1\]\.action: expected a string"):
        Mission.from_wire(wire)
    wire["steps"] = [good]
    wire["kind"] = "teleport"
    with pytest.raises(DecodeError, match=r"^mission\.kind: 'teleport' is not one of"):
        Mission.from_wire(wire)


def test_a_reply_without_awaiting_confirmation_reads_as_not_awaiting() -> None:
    """``awaiting_confirmation`` is optional on the wire and defaults to false."""
    reply = Reply.from_wire({"text": "hi", "utterance_id": None, "kind": "reply"})
    assert reply.awaiting_confirmation is False
    with pytest.raises(DecodeError, match=r"^reply\.awaiting_confirmation: expected true"):
        Reply.from_wire({"text": "hi", "kind": "reply", "awaiting_confirmation": "yes"})


def test_slots_reject_nested_values() -> None:
    """Intent slots hold scalars only; a list in a slot is refused with the slot's path."""
    with pytest.raises(DecodeError, match=r"^intent\.slots\.items: expected a scalar"):
        Intent.from_wire({"name": "list.add", "slots": {"items": ["milk"]}})


def test_intent_slots_are_read_only() -> None:
    """A decoded intent cannot be edited in place by a skill."""
    intent = Intent("timer.start", {"duration_s": 300})
    with pytest.raises(TypeError):
        intent.slots["duration_s"] = 1  # type: ignore[index]


@pytest.mark.parametrize(("lat", "lon"), [(91.0, 0.0), (-90.5, 0.0), (0.0, 180.5)])
def test_locations_outside_the_globe_are_refused(lat: float, lon: float) -> None:
    """Latitudes beyond ±90 and longitudes beyond ±180 are refused."""
    with pytest.raises(DecodeError):
        Location.from_wire({"lat": lat, "lon": lon})


def test_haversine_distance_between_known_cities() -> None:
    """Paris to London is about 344 km, Berlin to Munich about 504 km."""
    paris, london = Location(48.8566, 2.3522), Location(51.5074, -0.1278)
    berlin, munich = Location(52.5200, 13.4050), Location(48.1351, 11.5820)
    assert paris.distance_km(london) == pytest.approx(343.5, abs=1.5)
    assert berlin.distance_km(munich) == pytest.approx(504.0, abs=2.0)


@given(locations, locations)
def test_distance_is_symmetric_and_bounded(a: Location, b: Location) -> None:
    """Distance is symmetric, zero to itself, and never more than half the circumference."""
    assert a.distance_km(b) == pytest.approx(b.distance_km(a), abs=1e-6)
    assert a.distance_km(a) == pytest.approx(0.0, abs=1e-6)
    assert a.distance_km(b) <= math.pi * 6371.0088 + 1e-6


def test_derived_ids_are_stable_per_source_and_role_and_look_like_new_ids() -> None:
    """A message made again for the same cause gets the same id; another role, another id."""
    from models import derived_id, new_id

    source = new_id()
    assert derived_id(source, "reply") == derived_id(source, "reply")
    assert derived_id(source, "reply") != derived_id(source, "ack")
    assert derived_id(source, "reply") != derived_id(new_id(), "reply")
    assert len(derived_id(source, "reply")) == len(new_id()) == 32


def test_only_a_wake_says_how_it_was_heard_on_the_wire() -> None:
    """A reply without ``woke`` keeps the wire form replies always had (no ``woke`` key, in an
    envelope too); a wake carries it, and one without its score is refused."""
    from models.messages import envelope

    assert "woke" not in Reply("hi").to_wire()
    assert "woke" not in envelope(Reply("hi")).body
    wake = Reply("", kind="wake", woke=WakeHeard("microWakeWord", 0.97, "sam"))
    wire = envelope(wake).body
    assert wire["woke"] == {"by": "microWakeWord", "score": 0.97, "voice": "sam", "satellite": None}
    assert Reply.from_wire(wire) == wake
    with pytest.raises(DecodeError, match=r"reply\.woke\.score"):
        Reply.from_wire({"text": "", "kind": "wake", "woke": {"by": "detector"}})

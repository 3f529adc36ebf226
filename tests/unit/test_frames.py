"""Envelopes cut to fit a frame, so the cloud never refuses a report as too large."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import MAX_FRAME_BYTES, Envelope
from models.frames import MIN_KEPT_CHARS, fit_to_frame


def _size(envelope: Envelope) -> int:
    return len(envelope.encode().encode("utf-8"))


def test_an_envelope_that_fits_is_left_as_it_is() -> None:
    envelope = Envelope("mission_result", {"mission_id": "m", "ok": True, "output": "x" * 1000})
    fitted, frame = fit_to_frame(envelope)
    assert fitted is envelope
    assert frame == envelope.encode()


@pytest.mark.parametrize(
    "filler",
    [
        "x",  # one byte a character
        "\x01",  # six bytes a character, as the JSON escape \u0001
        "é",  # two bytes in UTF-8
        "😀",  # four bytes in UTF-8
    ],
)
def test_a_long_output_is_cut_in_the_middle_to_fit(filler: str) -> None:
    """The start and the end of the output stay, around a marker saying how much was cut;
    everything else in the envelope is unchanged, its id included."""
    output = "START\n" + filler * 200_000 + "\nEND"
    envelope = Envelope("mission_result", {"mission_id": "m", "ok": True, "output": output})
    fitted, frame = fit_to_frame(envelope)
    assert frame == fitted.encode()
    assert _size(fitted) <= MAX_FRAME_BYTES
    assert _size(fitted) > MAX_FRAME_BYTES * 0.75  # cut to fit, not to nothing
    assert (fitted.id, fitted.trace_id, fitted.ts) == (envelope.id, envelope.trace_id, envelope.ts)
    kept = fitted.body["output"]
    assert kept.startswith("START\n")
    assert kept.endswith("\nEND")
    assert "characters cut to fit the link" in kept
    assert {k: v for k, v in fitted.body.items() if k != "output"} == {
        "mission_id": "m",
        "ok": True,
    }
    assert envelope.body["output"] is output  # the original is not changed


def test_the_longest_texts_are_cut_wherever_they_are() -> None:
    """A checkpoint's output sits in ``data``; when cutting the longest text is not enough,
    the next longest is cut too, and short ones are left alone."""
    data = {"output": "a" * 40_000, "text": "b" * 39_000, "title": "c" * 30_000, "name": "short"}
    envelope = Envelope("checkpoint", {"mission_id": "m", "step_index": 1, "data": data})
    fitted, frame = fit_to_frame(envelope)
    assert frame == fitted.encode()
    assert _size(fitted) <= MAX_FRAME_BYTES
    cut = fitted.body["data"]
    assert len(cut["output"]) < 200
    assert len(cut["text"]) < 39_000
    assert cut["title"] == "c" * 30_000
    assert cut["name"] == "short"


def test_what_is_not_text_is_left_for_the_cloud_to_refuse() -> None:
    """No endless loop, and no crash on an empty text, for an envelope too big for reasons
    other than text."""
    body = {"numbers": list(range(20_000)), "note": "n" * 500, "empty": ""}
    envelope = Envelope("checkpoint", body)
    fitted, frame = fit_to_frame(envelope)
    assert frame == fitted.encode()
    assert fitted.body["numbers"] == list(range(20_000))
    assert len(fitted.body["note"]) <= MIN_KEPT_CHARS + 60


texts = st.text(max_size=400)
bodies = st.recursive(
    texts | st.integers(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
).map(lambda value: {"value": value})


@given(bodies)
def test_any_body_ends_up_fitting_or_cut_as_far_as_text_goes(body: dict[str, object]) -> None:
    """With a small frame: the result fits, or every text in it is cut as far as it goes."""
    limit = 600
    envelope = Envelope("checkpoint", body, id="i", trace_id="t", ts=1.0)
    fitted, frame = fit_to_frame(envelope, limit)
    assert frame == fitted.encode()
    assert (fitted.id, fitted.type) == ("i", "checkpoint")
    if _size(fitted) > limit:
        assert all(len(text) <= MIN_KEPT_CHARS + 60 for text in _texts(fitted.body))


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []

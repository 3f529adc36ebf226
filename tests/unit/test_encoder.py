"""The learned tier's encoder: the packaged int8 graph over the real MiniLM weights."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from understanding import encoder as encoder_module
from understanding.encoder import Encoder

SENTENCES = [
    "set a timer for ten minutes",
    "what items are on my shopping list",
    "book me a flight to paris next tuesday",
]


@pytest.fixture(scope="module")
def packaged() -> Encoder:
    return Encoder()


def test_vectors_are_unit_length_and_alike_for_alike_sentences(packaged: Encoder) -> None:
    """Each sentence is one unit vector; paraphrases are closer than unrelated requests."""
    timer, other_timer, flight = packaged.embed(
        ["set a timer for ten minutes", "start a ten minute timer", "book a flight to paris"]
    )
    assert np.allclose(np.linalg.norm([timer, flight], axis=1), 1.0, atol=1e-5)
    assert float(timer @ other_timer) > float(timer @ flight)


def test_a_sentence_gets_the_same_vector_alone_or_in_a_batch(packaged: Encoder) -> None:
    """Training embeds many texts at once, the edge one: both must see the same vector."""
    together = packaged.embed(SENTENCES)
    alone = np.stack([packaged.embed([text])[0] for text in SENTENCES])
    assert np.array_equal(together, alone)


def test_the_int8_graph_agrees_with_the_original_model(packaged: Encoder) -> None:
    """The rewritten graph (integer products) gives the original model's vectors, nearly."""
    original = Encoder(graph=encoder_module._weights_path().read_bytes())
    cosines = (original.embed(SENTENCES) * packaged.embed(SENTENCES)).sum(axis=1)
    assert cosines.min() > 0.99


def test_weights_from_another_release_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A model.onnx that is not the one the graph was built for is refused, not misread."""
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the weights")
    monkeypatch.setattr(encoder_module, "_weights_path", lambda: other)
    with pytest.raises(OSError, match="not the release"):
        Encoder()


def test_the_recorded_digest_is_the_installed_weights() -> None:
    """encoder.json names the installed package's model.onnx (rebuild it when that changes)."""
    artifact = Path(encoder_module.__file__).parent / "artifact" / "encoder.json"
    recorded = json.loads(artifact.read_text(encoding="utf-8"))
    weights = encoder_module._weights_path().read_bytes()
    assert recorded["sha256"] == hashlib.sha256(weights).hexdigest()

"""The head over the sentence vectors: an intent and a calibrated confidence, or abstain."""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from understanding.doubted_words import threshold_for
from understanding.encoder import Encoder, Vectors

OTHER = "other"
"""The label of everything that is not a local intent ("not mine")."""


def is_other(label: str) -> bool:
    """``other`` itself, or one of the head's finer "not mine" classes (``other:<name>``)."""
    return label == OTHER or label.startswith(OTHER + ":")


def collapse(probabilities: Vectors, labels: Sequence[str]) -> tuple[Vectors, list[str]]:
    """The head's columns as our intents plus one ``OTHER`` column (the "not mine" classes
    summed): the head learns the many kinds of "not mine" apart, the edge only needs to know
    that it is none of its own."""
    ours = [i for i, label in enumerate(labels) if not is_other(label)]
    others = [i for i, label in enumerate(labels) if is_other(label)]
    collapsed: Vectors = np.concatenate(
        [probabilities[:, ours], probabilities[:, others].sum(axis=1, keepdims=True)], axis=1
    ).astype(np.float32)
    return collapsed, [labels[i] for i in ours] + [OTHER]


@dataclass(frozen=True, slots=True)
class Guess:
    """What the model thinks an utterance asks for."""

    intent: str
    confidence: float
    """The head's probability for ``intent``, 0–1."""


class IntentModel:
    """The encoder plus a linear head (numpy only at run time); load once, share everywhere."""

    def __init__(
        self,
        encoder: Encoder,
        weights: Vectors,
        bias: Vectors,
        labels: list[str],
        threshold: float,
        second_chance_threshold: float | None = None,
    ) -> None:
        """Prefer :func:`load_default`, which reads the trained artifact."""
        if weights.shape != (len(labels), weights.shape[1]) or bias.shape != (len(labels),):
            raise ValueError("the head's weights do not match its labels")
        self._encoder = encoder
        self._weights = weights
        self._bias = bias
        self._head_labels = list(labels)
        self.labels = tuple(collapse(np.zeros((0, len(labels)), np.float32), labels)[1])
        """Our intents and ``OTHER`` (the columns of :meth:`probabilities`)."""
        self.threshold = threshold
        """The confidence below which the model abstains, chosen on CLINC150's validation."""
        self.second_chance_threshold = (
            threshold if second_chance_threshold is None else second_chance_threshold
        )
        """The cloud's bolder threshold for what the edge forwarded (same validation rows, a
        looser false-accept target: the alternative there is "I can't do that")."""

    def bar(self, words_doubted: bool = False, *, second_chance: bool = False) -> float:
        """The confidence a guess needs: ``threshold`` (``second_chance_threshold`` for the
        cloud's second look), raised for words the recognizer doubted
        (``understanding.doubted_words``)."""
        base = self.second_chance_threshold if second_chance else self.threshold
        return threshold_for(base, words_doubted)

    def probabilities(self, texts: list[str]) -> Vectors:
        """One row of label probabilities (softmax) per text, columns in ``labels`` order."""
        logits = self._encoder.embed(texts) @ self._weights.T + self._bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return collapse(exp / exp.sum(axis=1, keepdims=True), self._head_labels)[0]

    def best(self, text: str) -> Guess:
        """The most likely label, ``OTHER`` included, whatever its confidence."""
        row = self.probabilities([text])[0]
        index = int(row.argmax())
        return Guess(self.labels[index], float(row[index]))

    def guess(
        self, text: str, handled: Collection[str], *, threshold: float | None = None
    ) -> Guess | None:
        """The local intent ``text`` asks for, or ``None`` (abstain: forward it).

        Only intents in ``handled`` are returned: a label this edge cannot run yet abstains,
        so intents light up when their skills land, without retraining. ``threshold``
        overrides the calibrated one (the cloud's second chance may be bolder).
        """
        found = self.best(text)
        limit = self.threshold if threshold is None else threshold
        if found.intent == OTHER or found.intent not in handled or found.confidence < limit:
            return None
        return found


_lock = threading.Lock()
_loaded: IntentModel | None = None


def load_default() -> IntentModel:
    """The packaged model, loaded on first use (about a second) and shared afterwards.

    Blocking: call it in a worker thread from async code.
    """
    global _loaded
    with _lock:
        if _loaded is None:
            artifact = resources.files("understanding").joinpath("artifact")
            meta = json.loads(artifact.joinpath("head.json").read_text(encoding="utf-8"))
            with artifact.joinpath("head.npz").open("rb") as stream, np.load(stream) as head:
                weights = np.asarray(head["weights"], dtype=np.float32)
                bias = np.asarray(head["bias"], dtype=np.float32)
            second = meta.get("second_chance_threshold")
            _loaded = IntentModel(
                Encoder(),
                weights,
                bias,
                list(meta["labels"]),
                float(meta["threshold"]),
                None if second is None else float(second),
            )
        return _loaded

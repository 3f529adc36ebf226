"""Choose the slowed look's factor, floor and verifier: ``just calibrate-wake-slowed``.

The training's dev voices (``DEV_VOICES``' variants, which neither the heads' fit nor the
benchmark uses) say "hey jarvis …" at their own speeds (150 and 180 words a minute) and at
``FAST_WPM``, faster than any the heads learned from (130 to 190), each twice: clean and at 20 and
10 dB SNR (pink noise, babble, reverb). At each speed they say every ``DEV_NEAR_MISSES`` phrase
(half clean, half at 20 dB), and over an hour of CLINC150 validation sentences is heard as other
speech, in runs, two in three in a random room. For every triple of ``FACTORS``, ``FLOORS`` and
``VERIFIERS`` the heads with their slowed look are replayed over it (``replay``: the streaming
detector's rule, step by step, from the whole clip's windows), and the triple nearest the goals,
each miss counted in units of its goal (false rejects over all the phrases, false wakes an hour,
near misses), as the training chooses its thresholds, is printed beside the heads alone. The
benchmark's voices and HWU64 are never heard here. The values it printed are
``wake_slowed``'s constants. ~10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
from scipy.signal import resample_poly

from assistant.audio import Float32Array
from assistant.audio.openwakeword_features import STEP_SAMPLES, FeatureModels, clip_windows
from assistant.audio.wake_slowed import WINDOW_SAMPLES
from assistant.audio.wake_word import (
    DEFAULT_WAKE_WORD,
    REFRACTORY_S,
    StepDecision,
    WakeWordModel,
    Woke,
    resolve_model_path,
    verified_over_recent,
)
from assistant.audio.wake_word_training import (
    COMMANDS,
    DEV_NEAR_MISSES,
    DEV_VOICES,
    FALSE_ACCEPTS_PER_HOUR_GOAL,
    FALSE_REJECT_GOAL,
    NEAR_MISS_GOAL,
    clinc_sentences,
    speech_in_runs,
    synthesize,
)
from assistant.testing_room import EspeakVoice, in_room, silence

SEED = 5
FAST_WPM = 220
"""Faster than the training's fastest voices (190) by as much as their speeds are apart."""
SPEEDS = (150, 180, FAST_WPM)
FACTORS = (Fraction(11, 10), Fraction(23, 20))
FLOORS = (0.5, 0.8, 0.9)
VERIFIERS = (0.3, 0.8, 0.95, 0.99)
PHRASES_PER_VOICE = 2
OTHER_SENTENCES = 1500
"""CLINC150 validation sentences heard as other speech (after the 40 of the babble): ~70 min."""
SENTENCES_PER_RUN = 10
CONDITIONS: dict[str, float | None] = {"clean": None, "20 dB": 20.0, "10 dB": 10.0}
STEP_S = STEP_SAMPLES / 16_000

Scores = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Triple:
    factor: Fraction
    floor: float
    verifier: float

    def __str__(self) -> str:
        return f"factor {float(self.factor):.2f}, floor {self.floor}, verifier {self.verifier}"


@dataclass(frozen=True, slots=True)
class Heard:
    """One clip: every step's detector and verifier scores, and at each peak the slowed look
    may be asked about (a local maximum at ``min(FLOORS)`` or more, under the threshold), the
    slowed audio's scores for each factor."""

    kind: str
    """``phrase``, ``near`` or ``other``."""
    speed_wpm: int
    condition: str
    seconds: float
    detector: Scores
    verified: Scores
    slowed: dict[int, dict[Fraction, tuple[Scores, Scores]]]
    """Peak step → factor → the slowed audio's detector and (recent-best) verifier scores."""


def scores(
    model: WakeWordModel, features: FeatureModels, audio: Float32Array
) -> tuple[Scores, Scores]:
    """Every step's detector score and the verifier's best over its recent windows, as the
    streaming detector asks them."""
    windows = clip_windows(features, audio)
    if windows.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    return model.detector.scores(windows), verified_over_recent(model.verifier.scores(windows))


def hear(
    model: WakeWordModel, features: FeatureModels, audio: Float32Array, kind: str, speed: int,
    condition: str,
) -> Heard:  # fmt: skip
    detector, verified = scores(model, features, audio)
    slowed: dict[int, dict[Fraction, tuple[Scores, Scores]]] = {}
    for step in peaks(detector, min(FLOORS), model.detector.threshold):
        end = (step + 2) * STEP_SAMPLES  # the look hears up to the step after the peak
        heard = audio[max(0, end - WINDOW_SAMPLES) : end]
        slowed[step] = {
            factor: scores(
                model,
                features,
                resample_poly(heard, factor.numerator, factor.denominator).astype(np.float32),
            )
            for factor in FACTORS
        }
    return Heard(kind, speed, condition, audio.size / 16_000, detector, verified, slowed)


def peaks(detector: Scores, floor: float, threshold: float) -> Iterator[int]:
    """Steps the slowed look is asked about: at least ``floor``, under ``threshold``, higher
    than the step before and at least as high as the step after (so known a step later)."""
    for step in range(detector.size - 1):
        score = detector[step]
        before = detector[step - 1] if step else 0.0
        if floor <= score < threshold and before < score >= detector[step + 1]:
            yield step


def replay(model: WakeWordModel, heard: Heard, triple: Triple | None) -> int:
    """How many times the heads (with the slowed look at ``triple``; ``None``: without) wake on
    ``heard``: ``WakeWordDetector``'s rule step by step (its ``StepDecision``, and the slowed
    look on a peak the step after it, when that step did not decide anything itself)."""
    decision = StepDecision.of(model)
    woke, woke_until_s = 0, 0.0
    for step, score in enumerate(heard.detector):
        end_s = (step + 1) * STEP_S
        checked = float(heard.verified[step])
        event = decision.step(end_s, float(score), lambda: checked)  # noqa: B023
        if isinstance(event, Woke):
            woke, woke_until_s = woke + 1, end_s + REFRACTORY_S
            continue
        if event is not None or triple is None or step == 0:
            continue
        peak, peak_s = float(heard.detector[step - 1]), step * STEP_S
        before = float(heard.detector[step - 2]) if step > 1 else 0.0
        if not before < peak >= score or not triple.floor <= peak < model.detector.threshold:
            continue
        if peak_s < decision.quiet_until_s or peak_s < woke_until_s:
            continue
        slowed_detector, slowed_verified = heard.slowed[step - 1][triple.factor]
        wakes = (slowed_detector >= model.detector.threshold) & (slowed_verified >= triple.verifier)
        if wakes.any():
            decision.quiet_until_s = peak_s + REFRACTORY_S
            woke, woke_until_s = woke + 1, peak_s + REFRACTORY_S
    return woke


@dataclass(frozen=True, slots=True)
class Rates:
    false_rejects: float
    false_accepts_per_hour: float
    near_misses: float
    missed: dict[tuple[int, str], tuple[int, int]]
    """(speed, condition) → phrases missed, phrases."""

    @property
    def distance(self) -> float:
        """From the goals, each miss in units of its goal (0 would meet all three)."""
        return (
            self.false_rejects / FALSE_REJECT_GOAL
            + self.false_accepts_per_hour / FALSE_ACCEPTS_PER_HOUR_GOAL
            + self.near_misses / NEAR_MISS_GOAL
        )


def rates(heard: Sequence[Heard], wakes: Callable[[Heard], int]) -> Rates:
    phrases = [h for h in heard if h.kind == "phrase"]
    near = [h for h in heard if h.kind == "near"]
    other = [h for h in heard if h.kind == "other"]
    woke = {id(h): wakes(h) for h in heard}
    missed: dict[tuple[int, str], tuple[int, int]] = {}
    for h in phrases:
        misses, count = missed.get((h.speed_wpm, h.condition), (0, 0))
        missed[(h.speed_wpm, h.condition)] = (misses + (woke[id(h)] == 0), count + 1)
    hours = sum(h.seconds for h in other) / 3600
    return Rates(
        sum(woke[id(h)] == 0 for h in phrases) / max(1, len(phrases)),
        sum(woke[id(h)] for h in other) / hours if hours else 0.0,
        sum(woke[id(h)] > 0 for h in near) / max(1, len(near)),
        missed,
    )


def choose(table: dict[Triple, Rates]) -> Triple:
    """The triple nearest the goals; on a tie the stricter one (higher verifier, then floor,
    then the smaller factor)."""
    return min(table, key=lambda t: (table[t].distance, -t.verifier, -t.floor, t.factor))


def dev_set(model: WakeWordModel, seed: int, say: Callable[[str], None]) -> list[Heard]:
    rng = np.random.default_rng(seed)
    chooser = random.Random(seed)
    features = FeatureModels.load()
    pool = synthesize([(s, chooser.choice(list(DEV_VOICES))) for s in clinc_sentences("val")[:40]])
    languages = sorted({voice.language for voice in DEV_VOICES})
    variants = list(dict.fromkeys(voice.variant for voice in DEV_VOICES))
    heard: list[Heard] = []
    everyone: list[EspeakVoice] = []
    for speed in SPEEDS:
        voices = [EspeakVoice(lang, variant, speed) for lang in languages for variant in variants]
        everyone += voices
        say(f"hearing 'hey jarvis' and near misses said by {len(voices)} voices at {speed} wpm")
        texts = [
            (f"{model.phrase} {chooser.choice(COMMANDS)}", voice)
            for voice in voices
            for _ in range(PHRASES_PER_VOICE)
        ]
        for samples in synthesize(texts):
            audio = np.concatenate([silence(1.0), samples, silence(1.0)])
            for condition, snr in CONDITIONS.items():
                roomy = audio if snr is None else in_room(
                    audio, rng, snr_db=snr, babble_pool=pool, rt60_s=float(rng.uniform(0.2, 0.6))
                )  # fmt: skip
                heard.append(hear(model, features, roomy, "phrase", speed, condition))
        near = synthesize([(miss, voice) for voice in voices for miss in DEV_NEAR_MISSES])
        for i, samples in enumerate(near):
            audio = np.concatenate([silence(1.0), samples, silence(1.0)])
            condition = "clean"
            if i % 2:
                condition = "20 dB"
                audio = in_room(audio, rng, snr_db=20.0, babble_pool=pool,
                                rt60_s=float(rng.uniform(0.2, 0.6)))  # fmt: skip
            heard.append(hear(model, features, audio, "near", speed, condition))
    sentences = clinc_sentences("val")[40 : 40 + OTHER_SENTENCES]
    say(f"hearing {len(sentences)} CLINC150 validation sentences as other speech")
    other = synthesize([(s, chooser.choice(everyone)) for s in sentences])
    for audio in speech_in_runs(other, pool, rng, SENTENCES_PER_RUN):
        heard.append(hear(model, features, audio, "other", 0, "room"))
    return heard


def replayer(model: WakeWordModel, triple: Triple | None) -> Callable[[Heard], int]:
    """``replay`` at ``triple``, as a function of the clip."""
    return lambda heard: replay(model, heard, triple)


def describe(name: str, r: Rates) -> str:
    by_speed = " ".join(
        f"{speed}: " + "/".join(str(r.missed[(speed, c)][0]) for c in CONDITIONS)
        for speed in SPEEDS
    )
    return (
        f"{name}: distance {r.distance:.2f}; false rejects {r.false_rejects:.1%} (missed clean/20/"
        f"10 dB by wpm {by_speed}), {r.false_accepts_per_hour:.2f} false wakes an hour, near "
        f"misses {r.near_misses:.1%}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_WAKE_WORD, help="a phrase or trained .npz")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    model = WakeWordModel.load(resolve_model_path(args.model))
    heard = dev_set(model, args.seed, say)
    say(describe("the heads alone", rates(heard, replayer(model, None))))
    table = {
        triple: rates(heard, replayer(model, triple))
        for triple in (Triple(f, floor, v) for f in FACTORS for floor in FLOORS for v in VERIFIERS)
    }
    for triple, r in sorted(table.items(), key=lambda item: item[1].distance):
        say(describe(str(triple), r))
    chosen = choose(table)
    say(f"chose {chosen} (wake_slowed: FACTOR, FLOOR, VERIFIER)")


def say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    main()

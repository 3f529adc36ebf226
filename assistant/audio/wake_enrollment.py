"""Enrolling the voices of the house: each person says the wake phrase a few times, once.

The heads were trained on synthetic voices; some real accents they miss most of the time. A few
takes of a person's own "hey jarvis" fix that for them: the windows of the features where the
detector scored each take highest are kept (``enrolled_path``: features only, never the audio),
and from then on a step the detector scores at least ``ENROLLED_FLOOR`` also wakes Jarvis when
its window is within the model's calibrated ``enrollment_distance`` of one of them and the
verifier gives it a calibrated share of what it gave that take (``wake_word.EnrolledVoices``).
``jarvis wake enroll`` / ``forget`` / ``voices`` drive it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio import SAMPLE_RATE_HZ, Float32Array
from assistant.audio.openwakeword_features import FeatureModels, clip_windows
from assistant.audio.wake_word import (
    ENROLLED_FLOOR,
    VERIFY_STEPS,
    Enrolled,
    EnrolledVoices,
    WakeWordModel,
    enrolled_path,
    read_enrolled,
)
from assistant.errors import ModelNotFoundError

TAKES = 3
"""Takes a person gives at least: each one's windows are kept."""
MAX_TAKES = 8
WINDOWS_PER_TAKE = 3
"""The take's best-scored window and one step either side (the phrase may end a step early or
late)."""
PADDING_S = 0.5
"""Silence put around a take, so a phrase said right at its edges still fills a window."""
MAX_TAKE_S = 6.0
"""A longer take is not "the phrase alone"."""


UNREADABLE = "the unreadable enrolled voices"


class EnrollmentError(Exception):
    """A take could not be used; the message says what to do instead."""


def take_windows(model: WakeWordModel, features: FeatureModels, take: Float32Array) -> Enrolled:
    """The windows kept from one take of the phrase, said alone (named ``""``), and the
    verifier's score for the take (its best over the windows up to the detector's best, as the
    detector asks it)."""
    seconds = take.size / SAMPLE_RATE_HZ
    if seconds > MAX_TAKE_S:
        raise EnrollmentError(
            f"the take is {seconds:.1f} s long: say only {model.phrase!r}, under {MAX_TAKE_S:.0f} s"
        )
    padding = np.zeros(round(PADDING_S * SAMPLE_RATE_HZ), np.float32)
    windows = clip_windows(features, np.concatenate([padding, take.astype(np.float32), padding]))
    scores = model.detector.scores(windows)
    best = int(np.argmax(scores)) if scores.size else 0
    if scores.size == 0 or scores[best] < ENROLLED_FLOOR:
        peak = float(scores[best]) if scores.size else 0.0
        raise EnrollmentError(
            f"that did not sound like {model.phrase!r} (the detector's best score was "
            f"{peak:.2f}, at least {ENROLLED_FLOOR} is needed): say the phrase alone, in a quiet "
            f"room, at arm's length from the microphone"
        )
    start = max(0, best - WINDOWS_PER_TAKE // 2)
    kept = windows[start : start + WINDOWS_PER_TAKE]
    verified = float(
        model.verifier.scores(windows[max(0, best - VERIFY_STEPS + 1) : best + 1]).max()
    )
    return Enrolled(
        kept, ("",) * len(kept), np.full(len(kept), verified, np.float32), model.verifier.digest
    )


@dataclass(frozen=True, slots=True)
class Enrollment:
    voices: int
    """How many voices are enrolled now."""
    stale: tuple[str, ...] = ()
    """The voices forgotten because they enrolled before the wake word was retrained (they no
    longer counted): each must enroll again."""


def enroll(
    model: WakeWordModel,
    features: FeatureModels,
    takes: Sequence[Float32Array],
    name: str,
    data_dir: Path,
) -> Enrollment:
    """Keep ``name``'s takes (replacing what ``name`` enrolled before, and every voice enrolled
    before the wake word was retrained). Nothing is written unless every take is usable."""
    name = name.strip()
    if not name:
        raise EnrollmentError("give the voice a name (--name)")
    if not TAKES <= len(takes) <= MAX_TAKES:
        raise EnrollmentError(
            f"give {TAKES} to {MAX_TAKES} takes of {model.phrase!r}, not {len(takes)}"
        )
    kept = []
    for number, take in enumerate(takes, 1):
        try:
            kept.append(take_windows(model, features, take))
        except EnrollmentError as error:
            raise EnrollmentError(f"take {number}: {error}") from None
    new = Enrolled.joined(kept).named(name)
    path = enrolled_path(data_dir, model.phrase)
    found = read_enrolled(path)
    stale: tuple[str, ...] = ()
    if found is not None and found.stale_for(model):
        stale = tuple(sorted(set(found.names) - {name}))
    elif found is not None:
        others = [i for i, owner in enumerate(found.names) if owner != name]
        if others:
            new = Enrolled.joined([found.only(others), new])
    EnrolledVoices.of(model, new)  # refuses a model never calibrated, before writing
    _write(path, model.phrase, new)
    return Enrollment(len(set(new.names)), stale)


def forget(model: WakeWordModel, data_dir: Path, name: str | None = None) -> list[str]:
    """Forget ``name``'s voice (everyone's when ``None``); returns the names forgotten
    (``UNREADABLE`` for a file that could not be read, which only forgetting everyone removes)."""
    path = enrolled_path(data_dir, model.phrase)
    try:
        found = read_enrolled(path)
    except ModelNotFoundError:
        if name is not None:
            raise
        path.unlink()
        return [UNREADABLE]
    if found is None:
        return []
    gone = sorted({n for n in found.names if name is None or n == name})
    keep = [i for i, owner in enumerate(found.names) if owner not in gone]
    if not keep:
        path.unlink()
    elif gone:
        _write(path, model.phrase, found.only(keep))
    return gone


@dataclass(frozen=True, slots=True)
class Voices:
    windows: dict[str, int]
    """Each enrolled voice and how many windows of it are kept."""
    stale: bool = False
    """They enrolled before the wake word was retrained: none of them counts."""


def voices(model: WakeWordModel, data_dir: Path) -> Voices:
    found = read_enrolled(enrolled_path(data_dir, model.phrase))
    if found is None:
        return Voices({})
    names = found.names
    return Voices({name: names.count(name) for name in sorted(set(names))}, found.stale_for(model))


def _write(path: Path, phrase: str, enrolled: Enrolled) -> None:
    """Atomically, private to the user: a half-written file must not lose the others' voices."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez(
                file,
                phrase=np.array(phrase),
                windows=enrolled.windows,
                names=np.array(enrolled.names),
                verified=enrolled.verified,
                verifier=np.array(enrolled.verifier),
            )
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

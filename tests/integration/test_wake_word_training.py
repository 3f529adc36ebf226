"""The wake word's training script builds the same head from the same seed: the one random
source outside its own generators, piper's noise, is seeded too."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.wake_word_training import seeded_piper_voice
from assistant.testing_room import piper

pytestmark = pytest.mark.slow


def test_pipers_renderings_follow_the_seed() -> None:
    first = piper(seeded_piper_voice(13), "hey jarvis")
    again = piper(seeded_piper_voice(13), "hey jarvis")
    other = piper(seeded_piper_voice(14), "hey jarvis")
    assert np.array_equal(first, again)
    assert not (first.size == other.size and np.array_equal(first, other))

"""The alarm sound: a short beeping tone synthesized with numpy, so nothing has to ship."""

from __future__ import annotations

from functools import cache

import numpy as np

from assistant.tts import Speech

SAMPLE_RATE_HZ = 22_050
BEEP_HZ = (880.0, 1320.0)
"""A fifth apart: two tones at once carry through a room better than one."""
BEEP_S = 0.12
GAP_S = 0.08
BEEPS = 4
PAUSE_S = 0.35
GROUPS = 2
FADE_S = 0.005
"""Each beep fades in and out this long, so it does not click."""


@cache
def alarm_tone() -> Speech:
    """Two groups of four quick beeps, about 2 seconds of mono 16-bit audio."""
    t = np.arange(round(BEEP_S * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    beep = sum(np.sin(2 * np.pi * hz * t) for hz in BEEP_HZ) / len(BEEP_HZ)
    fade = np.minimum(1.0, np.minimum(t, BEEP_S - t) / FADE_S)
    beep = beep * fade * 0.6
    gap = np.zeros(round(GAP_S * SAMPLE_RATE_HZ))
    group = np.concatenate([part for _ in range(BEEPS) for part in (beep, gap)])
    pause = np.zeros(round(PAUSE_S * SAMPLE_RATE_HZ))
    signal = np.concatenate([part for _ in range(GROUPS) for part in (group, pause)])
    pcm = (np.clip(signal, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    return Speech(pcm=pcm, sample_rate_hz=SAMPLE_RATE_HZ)

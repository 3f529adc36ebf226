"""flite's voices (``assistant.testing_room.flite``), the wake word bench's third voice family:
real speech from Debian's flite, heard by the real whisper tiny.en and the bundled wake word."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.audio.wake_word import WakeWordDetector, Woke
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_room import FLITE_VOICES, flite, silence


@pytest.mark.parametrize("voice", FLITE_VOICES)
def test_each_voice_speaks_at_16_khz(voice: str) -> None:
    said = flite("hey jarvis, what time is it", voice)
    assert said.dtype == np.float32
    assert 1.0 < said.size / SAMPLE_RATE_HZ < 4.0
    assert np.abs(said).max() > 0.05  # speech, not silence


def test_a_stretch_says_it_more_slowly() -> None:
    assert flite("hey jarvis", "slt", stretch=1.3).size > 1.2 * flite("hey jarvis", "slt").size


def test_a_voice_flite_lacks_is_refused_not_replaced_by_its_default() -> None:
    with pytest.raises(ValueError, match="no voice 'kevin'"):
        flite("hey jarvis", "kevin")


async def test_whisper_hears_what_a_flite_voice_says(whisper: WhisperRecognizer) -> None:
    heard = await whisper.transcribe(to_pcm(flite("hey jarvis, what time is it", "slt")))
    assert "what time is it" in heard.text.lower()
    assert "jarvis" in heard.text.lower()


def test_the_wake_word_wakes_on_the_diphone_voice_in_a_quiet_room() -> None:
    """kal's phrase scores 0.99+ at every speed the bench uses: the family is one the heads
    can hear, so what the bench measures in its rooms is the rooms' doing. The heads alone: the
    companion (``wake_companion``), the whisper check (``wake_check``) and the slowed look
    (``wake_slowed``) must not be what wakes it here."""
    detector = WakeWordDetector.load(companion=False, check=False, slowed=False)
    for stretch in (0.9, 1.0, 1.1):
        audio = np.concatenate([silence(1.0), flite("hey jarvis", "kal", stretch=stretch),
                                silence(1.0)])  # fmt: skip
        assert any(isinstance(event, Woke) for event in detector.push(to_pcm(audio)))
        detector.reset()

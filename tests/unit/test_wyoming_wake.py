"""The wake word as the Wyoming server offers it: announced in Info, asked for by name."""

from __future__ import annotations

import pytest

from assistant.audio.wake_word import WakeWordModel, bundled_path
from assistant.wyoming_server import Services
from assistant.wyoming_wake import SharedWake


@pytest.fixture
def wake() -> SharedWake:
    return SharedWake(WakeWordModel.load(bundled_path("hey jarvis")))


def test_info_lists_the_wake_word_with_its_phrase_and_version(wake: SharedWake) -> None:
    """Describe's Info names the hey_jarvis model, its phrase, language and Jarvis's version."""
    (program,) = Services(wake=wake).info().wake
    (model,) = program.models
    assert (model.name, model.phrase, model.languages) == ("hey_jarvis", "hey jarvis", ["en"])
    assert program.version
    assert model.attribution.name == "Jarvis"


def test_no_wake_word_no_wake_program() -> None:
    """A server without a wake word announces none."""
    assert Services().info().wake == []


@pytest.mark.parametrize(
    "names", [None, [], ["hey_jarvis"], ["Hey Jarvis"], ["other", "hey_jarvis"]]
)
def test_a_detect_for_our_model_or_any_is_ours(wake: SharedWake, names: list[str] | None) -> None:
    """Detect with no names, or naming hey_jarvis (as the model or the phrase), asks for ours."""
    assert wake.answers_to(names)


def test_a_detect_for_another_model_is_not_ours(wake: SharedWake) -> None:
    """Detect naming only other models (openWakeWord's ok_nabu) does not ask for ours."""
    assert not wake.answers_to(["ok_nabu"])

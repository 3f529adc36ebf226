"""The wake word as the Wyoming server offers it: announced in Info, asked for by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.audio.wake_word import WakeWordModel, bundled_path
from assistant.errors import EdgeSetupError
from assistant.events import ReplyBus
from assistant.wyoming_edge import EdgeWyoming
from assistant.wyoming_server import Services
from assistant.wyoming_wake import SharedWake
from jarvis.settings import load_settings


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


async def test_a_wake_word_without_a_model_stops_the_start_with_its_name(tmp_path: Path) -> None:
    """JARVIS_WAKE_WORD naming no model: the Wyoming side does not start, and says which exist."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_WYOMING_URI": "tcp://127.0.0.1:0",
            "JARVIS_WAKE_WORD": "hey nobody",
        }
    )

    async def submit(text: str) -> None:
        raise AssertionError("nothing is said before the start")

    with pytest.raises(EdgeSetupError, match="hey jarvis"):
        await EdgeWyoming.start(settings, submit, ReplyBus())

"""Volume, media and typing through fake adapters: success, no adapter, and failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path

import pytest

from assistant.database import open_database
from assistant.errors import AdapterError, NothingPlayingError
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FakeKeyboard, FakeMedia, FakeVolume, ReplyRecorder
from models import Intent

Slot = str | int | float | bool | None


@pytest.fixture
def volume() -> FakeVolume:
    return FakeVolume(level=50)


@pytest.fixture
def media() -> FakeMedia:
    return FakeMedia()


@pytest.fixture
def keyboard() -> FakeKeyboard:
    return FakeKeyboard()


async def make_skills(tmp_path: Path, adapters: PlatformAdapters) -> AsyncIterator[Skills]:
    db = await open_database(tmp_path)
    skills = await Skills.start(db, ReplyRecorder(), timezone=UTC, adapters=adapters)
    yield skills
    await skills.close()
    await db.close()


@pytest.fixture
async def skills(
    tmp_path: Path, volume: FakeVolume, media: FakeMedia, keyboard: FakeKeyboard
) -> AsyncIterator[Skills]:
    adapters = PlatformAdapters(volume=volume, media=media, keyboard=keyboard)
    async for started in make_skills(tmp_path, adapters):
        yield started


@pytest.fixture
async def bare(tmp_path: Path) -> AsyncIterator[Skills]:
    """Skills on a device with no adapters at all."""
    async for started in make_skills(tmp_path, PlatformAdapters()):
        yield started


async def say(skills: Skills, intent: str, /, **slots: Slot) -> str:
    """Handles ``intent`` with ``slots`` as the interpreter would produce them."""
    return await skills.handle(Intent(intent, slots), "u1")


async def test_volume_set_change_and_mute(skills: Skills, volume: FakeVolume) -> None:
    """Volume intents reach the adapter and the reply states the level it reached."""
    assert await say(skills, "volume.set", level=40) == "Volume set to 40 percent."
    assert await say(skills, "volume.change", delta=10) == "Volume up to 50 percent."
    assert await say(skills, "volume.change", delta=-80) == "Volume down to 0 percent."
    assert await say(skills, "volume.set", level=150) == "Volume set to 100 percent."
    assert await say(skills, "volume.mute") == "Muted."
    assert await say(skills, "volume.unmute") == "Unmuted."
    assert volume.calls == [
        ("set_level", 40),
        ("change", 10),
        ("change", -80),
        ("set_level", 100),
        ("mute", None),
        ("unmute", None),
    ]


async def test_volume_without_a_level_asks(skills: Skills, volume: FakeVolume) -> None:
    """A missing level or delta is asked about and the adapter is not touched."""
    assert await say(skills, "volume.set") == "What volume, from 0 to 100?"
    assert await say(skills, "volume.change") == "How much should I change the volume?"
    assert volume.calls == []


async def test_media_commands(skills: Skills, media: FakeMedia) -> None:
    """Each media intent runs the matching adapter command."""
    assert await say(skills, "media.pause") == "Paused."
    assert await say(skills, "media.resume") == "Playing."
    assert await say(skills, "media.next") == "Next track."
    assert await say(skills, "media.previous") == "Previous track."
    assert media.calls == ["pause", "resume", "next", "previous"]


async def test_keyboard_types_the_text_as_said(skills: Skills, keyboard: FakeKeyboard) -> None:
    """The text is typed exactly; an empty one is asked about."""
    assert await say(skills, "keyboard.type", text="good morning") == "Typed it."
    assert await say(skills, "keyboard.type", text="  ") == "What should I type?"
    assert keyboard.typed == ["good morning"]


async def test_no_adapter_is_said_honestly(bare: Skills) -> None:
    """Without adapters every device intent says this device can't do it."""
    volume = "I can't control the volume on this device."
    for intent in ("volume.set", "volume.change", "volume.mute", "volume.unmute"):
        assert await say(bare, intent, level=10, delta=10) == volume
    for intent in ("media.pause", "media.resume", "media.next", "media.previous"):
        assert await say(bare, intent) == "I can't control media playback on this device."
    assert await say(bare, "keyboard.type", text="hi") == "I can't type on this device."


async def test_adapter_failure_is_never_reported_as_success(
    skills: Skills, volume: FakeVolume, media: FakeMedia, keyboard: FakeKeyboard
) -> None:
    """When an adapter fails the reply says so instead of claiming success."""
    volume.error = AdapterError("pactl failed: Connection refused")
    keyboard.error = AdapterError("xdotool failed")
    media.error = AdapterError("playerctl failed")
    assert await say(skills, "volume.set", level=40) == "Sorry, I couldn't change the volume."
    assert await say(skills, "volume.mute") == "Sorry, I couldn't change the volume."
    assert await say(skills, "keyboard.type", text="hi") == "Sorry, I couldn't type that."
    assert await say(skills, "media.next") == "Sorry, I couldn't control media playback."
    media.error = NothingPlayingError("No players found")
    assert await say(skills, "media.pause") == "Nothing is playing."

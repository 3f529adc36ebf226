"""The Skills façade: which intents it owns, and that it leaves the app's own alone."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from assistant.database import open_database
from assistant.errors import UnhandledIntentError
from assistant.platform import PlatformAdapters
from assistant.skills import Skills
from assistant.testing import FakeKeyboard, FakeMedia, FakeVolume, ReplyRecorder
from models import Intent

CATALOGUE = {
    "time.now", "date.today", "timer.start", "timer.cancel", "timer.pause", "timer.resume",
    "timer.status", "timer.adjust", "volume.set", "volume.change", "volume.mute",
    "volume.unmute", "media.pause", "media.resume", "media.next", "media.previous",
    "system.status", "note.add", "note.list", "list.add", "list.remove", "list.show",
    "math.eval", "keyboard.type", "assistant.stop", "assistant.repeat", "assistant.confirm",
    "assistant.deny",
    "weather.current", "weather.forecast",
}  # fmt: skip
# The everyday skills (issue 12).
CATALOGUE |= {"alarm.set", "alarm.list", "alarm.cancel", "alarm.snooze"}
CATALOGUE |= {"time.in_zone", "date.countdown", "convert.units"}
CATALOGUE |= {"random.coin", "random.dice", "spell.word", "joke.tell", "chitchat.greeting"}
CATALOGUE |= {"chitchat.thanks", "chitchat.goodbye", "chitchat.about"}
CATALOGUE |= {"home.turn_on", "home.turn_off", "home.set_level", "home.state"}
APP_OWN = {"assistant.stop", "assistant.repeat", "assistant.confirm", "assistant.deny"}


def test_handled_is_the_catalogue_minus_the_apps_own() -> None:
    """HANDLED names every catalogue intent except stop, repeat, confirm and deny (and may
    name intents added since, each declared by its skill module)."""
    assert CATALOGUE - APP_OWN <= Skills.HANDLED
    assert Skills.HANDLED.isdisjoint(APP_OWN)


async def test_every_handled_intent_answers_even_without_slots(tmp_path: Path) -> None:
    """Every handled intent replies with a sentence, even with no slots; the rest raise."""
    db = await open_database(tmp_path)
    skills = await Skills.start(
        db, ReplyRecorder(), timezone=UTC, adapters=PlatformAdapters(), data_dir=tmp_path
    )
    try:
        for name in sorted(Skills.HANDLED):
            reply = await skills.handle(Intent(name), "u1")
            assert reply, name
            assert reply[0].isupper(), reply
            assert reply.endswith((".", "?")), reply
        for name in sorted(APP_OWN | {"web.search"}):
            with pytest.raises(UnhandledIntentError):
                await skills.handle(Intent(name), "u1")
    finally:
        await skills.close()
        await db.close()


WEIRD_VALUES: list[str | int | float | bool | None] = [
    None, "", "  ", "abc", "12", -1, 0, 1e308, -1e308, float("nan"), True, 10**30, "pasta",
]  # fmt: skip
SLOT_NAMES = ("duration_s", "name", "all", "delta_s", "level", "delta", "aspect", "text", "item",
              "list", "expression", "result", "place", "when")  # fmt: skip


async def test_malformed_slots_never_raise(tmp_path: Path) -> None:
    """Whatever the slots hold, every handled intent answers with a sentence instead of raising."""
    db = await open_database(tmp_path)
    adapters = PlatformAdapters(FakeVolume(), FakeMedia(), FakeKeyboard())
    skills = await Skills.start(db, ReplyRecorder(), timezone=UTC, adapters=adapters)
    try:
        for value in WEIRD_VALUES:
            slots = dict.fromkeys(SLOT_NAMES, value)
            for name in sorted(Skills.HANDLED):
                reply = await skills.handle(Intent(name, slots), "u1")
                assert reply.endswith((".", "?")), (name, value, reply)
    finally:
        await skills.close()
        await db.close()

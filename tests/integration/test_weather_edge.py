"""The weather on the edge: said from the forecast the cloud pushed while it is fresh, offline
too, with its age once it is old, and forwarded to the cloud when this copy cannot answer.

A real edge database and conversation; the cloud link is a fake that keeps what is forwarded
(the real link is exercised end to end in tests/e2e/test_weather_e2e.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from weather_helpers import FETCHED, OfflineCloud, edge, lisbon_forecast

from assistant.history import UtteranceRecord
from assistant.testing import FakeCloudLink, FixedClock
from models.weather import Forecast


def answered_here(record: UtteranceRecord) -> str:
    assert (record.handled_by, record.status) == ("edge", "done"), record
    assert record.reply is not None
    return record.reply


async def test_a_fresh_forecast_is_said_on_the_edge(tmp_path: Path) -> None:
    """Ten minutes after the push, "what's the weather tomorrow" never reaches the cloud."""
    cloud = FakeCloudLink()
    clock = FixedClock(FETCHED.timestamp() + 600)
    async with edge(tmp_path, cloud, clock) as (conversation, cache):
        await cache.store(lisbon_forecast(), clock.now)
        tomorrow = await conversation.submit("what's the weather tomorrow")
        now = await conversation.submit("Hey Jarvis, what's the weather?")
        same_place = await conversation.submit("will it rain tomorrow in Lisbon")
    assert answered_here(tomorrow) == "Tomorrow in Lisbon: light rain, 14 to 19 degrees."
    assert answered_here(now) == "Right now in Lisbon: overcast, 17 degrees."
    assert answered_here(same_place) == answered_here(tomorrow)
    assert cloud.forwarded == []


async def test_the_devices_unit_setting_is_used(tmp_path: Path) -> None:
    """A device set to en-US hears Fahrenheit from its own cache."""
    clock = FixedClock(FETCHED.timestamp() + 600)
    async with edge(tmp_path, FakeCloudLink(), clock) as (conversation, cache):
        await cache.store(lisbon_forecast(), clock.now)
        await conversation.on_config({"language": "en-US"})
        record = await conversation.submit("weather tomorrow")
    assert answered_here(record) == "Tomorrow in Lisbon: light rain, 57 to 66 degrees."


@pytest.mark.parametrize(
    ("text", "age_s"),
    [
        ("what's the weather in Paris", 600),  # another place
        ("weather this weekend", 2 * 3600),  # old, and the cloud is reachable
    ],
)
async def test_what_the_cache_cannot_answer_goes_to_the_cloud(
    tmp_path: Path, text: str, age_s: float
) -> None:
    """Another place, or an old copy while the cloud is reachable: the cloud answers."""
    cloud = FakeCloudLink()
    clock = FixedClock(FETCHED.timestamp() + age_s)
    async with edge(tmp_path, cloud, clock) as (conversation, cache):
        await cache.store(lisbon_forecast(), clock.now)
        record = await conversation.submit(text)
    assert (record.handled_by, record.status) == ("cloud", "pending")
    assert [utterance.text for utterance in cloud.forwarded] == [text]


async def test_offline_an_old_forecast_is_said_with_its_age(tmp_path: Path) -> None:
    """The cloud out of reach and the copy three hours old: said anyway, with its age, and
    "right now" is not claimed."""
    cloud = OfflineCloud()
    clock = FixedClock(FETCHED.timestamp() + 3 * 3600)
    async with edge(tmp_path, cloud, clock) as (conversation, cache):
        await cache.store(lisbon_forecast(), FETCHED.timestamp())
        record = await conversation.submit("what's the weather")
    assert answered_here(record) == (
        "Today in Lisbon: overcast, 11 to 17 degrees. That forecast is 3 hours old."
    )
    assert cloud.forwarded == []


async def test_a_stale_forecast_is_forwarded_even_offline(tmp_path: Path) -> None:
    """Older than the offline limit, the copy is not said: the request waits for the cloud."""
    cloud = OfflineCloud()
    clock = FixedClock(FETCHED.timestamp() + 7 * 3600)
    async with edge(tmp_path, cloud, clock) as (conversation, cache):
        await cache.store(lisbon_forecast(), FETCHED.timestamp())
        record = await conversation.submit("what's the weather")
    assert (record.handled_by, record.status) == ("cloud", "pending")
    assert len(cloud.forwarded) == 1


async def test_without_a_pushed_forecast_the_cloud_answers(tmp_path: Path) -> None:
    """A device the cloud never sent a forecast forwards the question."""
    cloud = FakeCloudLink()
    async with edge(tmp_path, cloud, FixedClock(FETCHED.timestamp())) as (conversation, _):
        record = await conversation.submit("what's the weather")
    assert record.handled_by == "cloud"


async def test_an_older_push_never_replaces_a_newer_one(tmp_path: Path) -> None:
    """Pushes arriving out of order keep the newest forecast."""
    async with edge(tmp_path, FakeCloudLink(), FixedClock(0)) as (_, cache):
        newer = lisbon_forecast()
        older = Forecast(**{**_fields(newer), "fetched_at": newer.fetched_at - 3600})
        await cache.store(newer, 1.0)
        await cache.store(older, 2.0)
        assert await cache.load() == newer


async def test_a_command_from_another_device_is_answered_from_the_cache(tmp_path: Path) -> None:
    """ "ask the kitchen pi what's the weather" runs here, from what this device keeps."""
    clock = FixedClock(FETCHED.timestamp() + 600)
    async with edge(tmp_path, OfflineCloud(), clock) as (conversation, cache):
        assert "don't have a recent forecast" in await conversation.on_command("weather")
        await cache.store(lisbon_forecast(), clock.now)
        said = await conversation.on_command("what's the weather tomorrow")
    assert said == "Tomorrow in Lisbon: light rain, 14 to 19 degrees."


def _fields(forecast: Forecast) -> dict[str, object]:
    return {name: getattr(forecast, name) for name in Forecast.__slots__}

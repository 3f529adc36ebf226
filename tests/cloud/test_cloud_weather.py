"""The weather in the cloud: Open-Meteo's documented answers served from a local server (no
internet here), failures said in a short sentence, forecasts kept per place in a real
PostgreSQL, and each device's own forecast pushed to it with its settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from cloud_helpers import CloudFactory

from cloud.capabilities.planners import LlmPlanner, RulePlanner
from cloud.errors import WeatherUnavailableError
from cloud.planning.language_model import LlmConfig
from cloud.planning.planner import Action, PlanContext
from cloud.weather import cache as weather_cache
from cloud.weather.open_meteo import OpenMeteo, OpenMeteoConfig
from cloud.weather.open_meteo_testing import FakeOpenMeteo, Mode
from cloud.weather.plans import Weather
from cloud.weather.port import Place
from cloud.weather.service import WeatherPusher, WeatherService
from models import Device, Envelope, Utterance
from models.weather import Forecast

LISBON = Place("Lisbon", 38.71667, -9.13333, "Portugal")
NOW = datetime(2026, 12, 2, 13, 0, tzinfo=ZoneInfo("Europe/Lisbon"))


@pytest.fixture
async def open_meteo() -> AsyncIterator[FakeOpenMeteo]:
    async with FakeOpenMeteo() as server:
        yield server


@pytest.fixture
async def provider(open_meteo: FakeOpenMeteo) -> AsyncIterator[OpenMeteo]:
    config = OpenMeteoConfig(open_meteo.url, open_meteo.url, timeout_s=0.5)
    async with aiohttp.ClientSession() as session:
        yield OpenMeteo(session, config)


async def test_a_recorded_forecast_is_read(provider: OpenMeteo) -> None:
    """Open-Meteo's answer becomes a Forecast: zone, current conditions, seven days in °C."""
    forecast = await provider.forecast(LISBON)
    assert forecast.place == "Lisbon"
    assert forecast.timezone == "Europe/Lisbon"
    assert forecast.current is not None
    assert (forecast.current.temperature_c, forecast.current.weather_code) == (16.6, 3)
    assert len(forecast.days) == 7
    assert (forecast.days[1].weather_code, forecast.days[1].min_c) == (61, 14.2)
    assert forecast.days[1].precipitation_mm == 4.2


async def test_place_names_are_geocoded(provider: OpenMeteo) -> None:
    """A known name gives its point; an unknown one (no ``results``) gives None."""
    found = await provider.find_place("Lisbon")
    assert found is not None
    assert (found.name, found.country) == ("Lisbon", "Portugal")
    assert await provider.find_place("Atlantis") is None


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("http_error", "answered with an error (400)"),
        ("server_error", "answered with an error (503)"),
        ("slow", "did not answer in time"),
        ("malformed", "an answer I can't read"),
    ],
)
async def test_provider_failures_are_one_clear_error(
    open_meteo: FakeOpenMeteo, provider: OpenMeteo, mode: Mode, said: str
) -> None:
    """An HTTP error, a time-out or a body that is not Open-Meteo's is WeatherUnavailableError."""
    open_meteo.mode = mode
    with pytest.raises(WeatherUnavailableError) as error:
        await provider.forecast(LISBON)
    assert said in error.value.message
    with pytest.raises(WeatherUnavailableError):
        await provider.find_place("Lisbon")


async def test_an_unreachable_provider_is_an_error() -> None:
    """A closed port is "unreachable", not a connection trace."""
    async with FakeOpenMeteo() as server:
        url = server.url
    async with aiohttp.ClientSession() as session:
        provider = OpenMeteo(session, OpenMeteoConfig(url, url, timeout_s=0.5))
        with pytest.raises(WeatherUnavailableError, match="unreachable"):
            await provider.forecast(LISBON)


async def test_forecasts_are_kept_for_the_ttl_and_fetched_again_after(
    pool: asyncpg.Pool, open_meteo: FakeOpenMeteo, provider: OpenMeteo
) -> None:
    """Two asks within the TTL cost one provider call; once the row is older, a new call."""
    first = await weather_cache.forecast_for(pool, provider, LISBON, ttl_s=600)
    again = await weather_cache.forecast_for(pool, provider, LISBON, ttl_s=600)
    assert again == first
    assert open_meteo.count("/v1/forecast") == 1
    await pool.execute("UPDATE weather_forecasts SET fetched_at = now() - interval '11 minutes'")
    renewed = await weather_cache.forecast_for(pool, provider, LISBON, ttl_s=600)
    assert open_meteo.count("/v1/forecast") == 2
    assert renewed.fetched_at > first.fetched_at


async def test_a_kept_forecast_stands_in_when_the_provider_fails(
    pool: asyncpg.Pool, open_meteo: FakeOpenMeteo, provider: OpenMeteo
) -> None:
    """Past its TTL but under the stale limit, the kept forecast is said when the provider
    fails; with nothing kept, the failure goes up."""
    kept = await weather_cache.forecast_for(pool, provider, LISBON, ttl_s=600)
    await pool.execute("UPDATE weather_forecasts SET fetched_at = now() - interval '2 hours'")
    open_meteo.mode = "server_error"
    stood_in = await weather_cache.forecast_for(pool, provider, LISBON, ttl_s=600)
    assert stood_in.fetched_at == kept.fetched_at
    elsewhere = Place("Porto", 41.15, -8.61)
    with pytest.raises(WeatherUnavailableError):
        await weather_cache.forecast_for(pool, provider, elsewhere, ttl_s=600)


async def test_place_names_are_kept(
    pool: asyncpg.Pool, open_meteo: FakeOpenMeteo, provider: OpenMeteo
) -> None:
    """A name is geocoded once, whatever its casing the next time."""
    assert await weather_cache.find_place(pool, provider, "Lisbon") is not None
    assert await weather_cache.find_place(pool, provider, "  LISBON ") is not None
    assert open_meteo.count("/v1/search") == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("will it rain tomorrow in Lisbon", Weather("weather.forecast", "lisbon", "tomorrow")),
        ("what's the weather", Weather("weather.current", None, None)),
        ("weather this weekend", Weather("weather.forecast", None, "weekend")),
    ],
)
async def test_the_planner_recognizes_weather(text: str, expected: Weather) -> None:
    """Forwarded weather requests plan as the ``weather`` action with the edge's slots."""
    context = PlanContext(now=NOW, device_names=["kitchen pi"])
    action = await RulePlanner().plan(Utterance(id="u", text=text, trace_id="t"), context)
    assert action == expected


async def test_a_language_model_planner_never_makes_the_weather_up() -> None:
    """With a model configured, weather requests are still the rules' (the provider answers);
    the model is not asked, nor its fallback."""

    class Unused:
        async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
            raise AssertionError("the model's fallback was asked")

    config = LlmConfig(url="http://127.0.0.1:9/v1/chat/completions", model="m", api_key=None)
    async with aiohttp.ClientSession() as session:
        planner = LlmPlanner(session, config, fallback=Unused())
        utterance = Utterance(id="u", text="Will it rain tomorrow in Lisbon?", trace_id="t")
        action = await planner.plan(utterance, PlanContext(now=NOW, device_names=[]))
    assert action == Weather("weather.forecast", "lisbon", "tomorrow")


async def test_a_device_command_about_the_weather_stays_a_device_command() -> None:
    """ "ask the kitchen pi what's the weather" runs there, not here."""
    context = PlanContext(now=NOW, device_names=["kitchen pi"])
    utterance = Utterance(id="u", text="ask the kitchen pi what's the weather", trace_id="t")
    action = await RulePlanner().plan(utterance, context)
    assert not isinstance(action, Weather)


async def test_the_cloud_answers_the_weather_for_a_named_place(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo
) -> None:
    """Through the edge link: tomorrow in Lisbon, in the words the issue asks for."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("will it rain tomorrow in Lisbon")
    reply = await edge.expect_reply()
    assert reply.body["text"] == "Tomorrow in Lisbon: light rain, 14 to 19 degrees."
    await edge.request("what's the weather in Atlantis")
    assert (await edge.expect_reply()).body["text"] == "I don't know a place called Atlantis."


async def test_without_a_place_the_device_is_told_how_to_give_one(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo
) -> None:
    """A device with no place setting and no location is asked for one, not guessed at."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    await edge.request("what's the weather")
    assert "I don't know where this device is" in (await edge.expect_reply()).body["text"]


@pytest.mark.parametrize("mode", ["http_error", "slow", "malformed"])
async def test_a_failing_provider_is_a_short_honest_answer(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo, mode: Mode
) -> None:
    """The provider failing (an error, a time-out, nonsense) is one sentence saying so."""
    environ = {"JARVIS_WEATHER_URL": open_meteo.url, "JARVIS_WEATHER_TIMEOUT_S": "0.5"}
    cloud = await clouds.start(environ=environ)
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    open_meteo.mode = mode
    await edge.request("weather in lisbon tomorrow")
    text = (await edge.expect_reply()).body["text"]
    assert text.startswith("Sorry, I can't get the weather right now: the weather service")
    assert "Traceback" not in text


async def test_the_devices_own_forecast_is_pushed_with_its_settings(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo
) -> None:
    """A device whose settings name its place gets its forecast in a config message when it
    connects, in Fahrenheit-free °C, with its settings beside it."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    settings = {"place": "Lisbon", "temperature_unit": "fahrenheit"}
    await clouds.pool.execute("UPDATE devices SET settings = $2 WHERE id = $1", device_id, settings)
    edge, _ = await clouds.connect(cloud, device_id, token)
    pushed = await edge.expect("config", lambda envelope: "weather" in envelope.body)
    assert pushed.body["settings"] == settings
    forecast = Forecast.from_wire(pushed.body["weather"])
    assert forecast.place == "Lisbon"
    assert len(forecast.days) == 7
    await edge.request("what's the weather tomorrow")
    reply = await edge.expect_reply()
    assert reply.body["text"] == "Tomorrow in Lisbon: light rain, 58 to 65 degrees."


async def test_a_device_known_by_its_location_gets_its_forecast(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo
) -> None:
    """No place setting, but the hello gave a location: the forecast for that point, unnamed."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    session, ws = await clouds.open_socket(cloud, token)
    try:
        device = Device(id=device_id, name="kitchen pi")
        hello = {"device": {**device.to_wire(), "location": {"lat": 38.7, "lon": -9.1}}}
        await ws.send_str(Envelope("hello", {**hello, "version": "test"}).encode())
        deadline = time.monotonic() + 10
        pushed = None
        while pushed is None and time.monotonic() < deadline:
            message = await ws.receive_json(timeout=10)
            if message["type"] == "config" and "weather" in message["body"]:
                pushed = message
        assert pushed is not None
        assert Forecast.from_wire(pushed["body"]["weather"]).place == ""
        assert (round(pushed["body"]["weather"]["lat"], 1), pushed["body"]["weather"]["lon"]) == (
            38.7,
            -9.1,
        )
    finally:
        await ws.close()
        await session.close()


async def test_the_pusher_renews_a_forecast_older_than_the_ttl(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo, provider: OpenMeteo
) -> None:
    """While a device stays connected, its forecast is fetched and pushed again after the TTL."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    await clouds.pool.execute(
        "UPDATE devices SET settings = $2 WHERE id = $1", device_id, {"place": "Lisbon"}
    )
    edge, _ = await clouds.connect(cloud, device_id, token)
    service = WeatherService(clouds.pool, provider, ttl_s=0.5)
    pusher = WeatherPusher(service, clouds.pool, cloud.instance_id, check_s=0.2)
    task = asyncio.create_task(pusher.run())
    try:
        first = await edge.expect("config", lambda envelope: "weather" in envelope.body)
        fetched_at = first.body["weather"]["fetched_at"]
        renewed = await edge.expect(
            "config",
            lambda envelope: envelope.body.get("weather", {}).get("fetched_at", 0) > fetched_at,
        )
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert renewed.body["settings"] == {"place": "Lisbon"}
    assert open_meteo.count("/v1/forecast") >= 2


async def test_a_new_place_setting_is_pushed_with_its_forecast(
    clouds: CloudFactory, open_meteo: FakeOpenMeteo
) -> None:
    """A device that sets its place gets the forecast for it at once; bad values are refused."""
    cloud = await clouds.start(environ={"JARVIS_WEATHER_URL": open_meteo.url})
    device_id, token = await clouds.enroll("kitchen pi")
    edge, _ = await clouds.connect(cloud, device_id, token)
    url = f"{cloud.url}/v1/devices/{device_id}/config"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
        for bad in ({"place": ""}, {"temperature_unit": "kelvin"}):
            async with session.put(url, json=bad) as response:
                assert response.status == 400
        async with session.put(url, json={"place": "Lisbon"}) as response:
            assert response.status == 200
    pushed = await edge.expect("config", lambda envelope: "weather" in envelope.body)
    assert pushed.body["settings"] == {"place": "Lisbon"}
    assert Forecast.from_wire(pushed.body["weather"]).place == "Lisbon"

"""Benchmark: "what's the weather tomorrow" said on the edge from its pushed forecast, beside
one call to the provider that an answer without the cache would need at the least.

Run ``python bench/weather.py [--runs 500]``. Both sides are measured here, on loopback:

- ``edge, from its copy``: ``Conversation.submit`` on a real edge database holding the forecast
  the cloud pushed: interpretation, the SQLite read, the sentence, the history row, the reply
  published. This is what the user waits for once the forecast has been pushed.
- ``provider call, loopback``: one ``OpenMeteo.forecast`` against the local stand-in serving
  Open-Meteo's recorded answer. The real provider is an internet round trip away (tens to
  hundreds of milliseconds), and the cloud's own round trip comes on top.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path

# bench/cloud.py would shadow the ``cloud`` package: this folder is first on the path.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import aiohttp  # noqa: E402

from assistant.conversation import Conversation, Identity  # noqa: E402
from assistant.database import open_database  # noqa: E402
from assistant.events import ReplyBus  # noqa: E402
from assistant.history import History  # noqa: E402
from assistant.platform import PlatformAdapters  # noqa: E402
from assistant.skills import Skills  # noqa: E402
from assistant.testing import FakeCloudLink  # noqa: E402
from assistant.weather_cache import WeatherCache  # noqa: E402
from cloud.weather.open_meteo import OpenMeteo, OpenMeteoConfig  # noqa: E402
from cloud.weather.open_meteo_testing import FakeOpenMeteo  # noqa: E402
from cloud.weather.port import Place  # noqa: E402
from jarvis.logs import configure_logging  # noqa: E402
from models.weather import Forecast  # noqa: E402

LISBON = Place("Lisbon", 38.72, -9.14)


def _summary(name: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p99 = ordered[min(len(ordered) - 1, round(len(ordered) * 0.99))]
    return f"{name:<28} p50 {statistics.median(ordered):8.3f} ms   p99 {p99:8.3f} ms"


async def _edge(runs: int, forecast: Forecast) -> list[float]:
    samples: list[float] = []
    cloud = FakeCloudLink()
    with tempfile.TemporaryDirectory() as folder:
        db = await open_database(Path(folder))
        bus = ReplyBus()
        zone = zoneinfo.ZoneInfo("Europe/Lisbon")
        skills = await Skills.start(db, bus.publish, timezone=zone, adapters=PlatformAdapters())
        conversation = Conversation(
            identity=Identity("bench", "bench"), skills=skills, history=History(db), bus=bus,
            cloud=cloud,
        )  # fmt: skip
        try:
            await WeatherCache(db).store(forecast, time.time())
            for _ in range(runs):
                started = time.perf_counter()
                record = await conversation.submit("what's the weather tomorrow")
                samples.append((time.perf_counter() - started) * 1000)
                assert record.handled_by == "edge", record
        finally:
            await conversation.close()
            await skills.close()
            await db.close()
    assert cloud.forwarded == []
    return samples


async def _provider(runs: int) -> tuple[list[float], Forecast]:
    samples: list[float] = []
    async with FakeOpenMeteo() as server, aiohttp.ClientSession() as session:
        provider = OpenMeteo(session, OpenMeteoConfig(server.url, server.url, timeout_s=5))
        for _ in range(runs):
            started = time.perf_counter()
            forecast = await provider.forecast(LISBON)
            samples.append((time.perf_counter() - started) * 1000)
    return samples, forecast


async def main(runs: int) -> None:
    configure_logging("warning", "console")
    print(f"what's the weather tomorrow — {runs} runs each")
    provider_ms, forecast = await _provider(runs)
    print(_summary("edge, from its copy", await _edge(runs, forecast)))
    print(_summary("provider call, loopback", provider_ms))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    asyncio.run(main(parser.parse_args().runs))

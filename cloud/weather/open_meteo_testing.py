"""A stand-in for Open-Meteo on a local port, for tests and demos without the internet.

It answers ``/v1/forecast`` and ``/v1/search`` with responses recorded in Open-Meteo's
documented format (``cloud/weather/open_meteo_fixtures``), with the days moved to start today in the
place's zone, so a forecast is always about the coming week. ``mode`` makes it fail the ways a
real provider fails: an HTTP error with Open-Meteo's ``{"error": true, "reason"}``, a server
error, an answer too slow, or one that is not JSON.
"""

from __future__ import annotations

import asyncio
import copy
import json
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from typing import Any, Literal

from aiohttp import web

Mode = Literal["ok", "http_error", "server_error", "slow", "malformed"]

PLACES = {"lisbon": "search_lisbon.json"}
"""Place names the geocoder knows (lower case) → the recorded answer."""
SLOW_S = 30.0
"""How long a ``slow`` answer takes: far past any timeout a test sets."""


def fixture(name: str) -> Any:
    """A recorded Open-Meteo answer, as JSON data."""
    text = resources.files("cloud.weather").joinpath("open_meteo_fixtures", name).read_text("utf-8")
    return json.loads(text)


@dataclass
class FakeOpenMeteo:
    """``async with FakeOpenMeteo() as server:`` serves at ``server.url`` while inside."""

    mode: Mode = "ok"
    days_ahead: int = 0
    """Move the forecast's first day this many days from today (negative: an old forecast)."""
    requests: list[str] = field(default_factory=list)
    """The paths asked, in order (``/v1/forecast``, ``/v1/search``)."""
    url: str = ""
    _runner: web.AppRunner | None = None

    async def __aenter__(self) -> FakeOpenMeteo:
        app = web.Application()
        app.router.add_get("/v1/forecast", self._forecast)
        app.router.add_get("/v1/search", self._search)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def count(self, path: str) -> int:
        return self.requests.count(path)

    async def _failure(self) -> web.Response | None:
        if self.mode == "http_error":
            return web.json_response(fixture("forecast_error.json"), status=400)
        if self.mode == "server_error":
            return web.Response(status=503, text="upstream unavailable")
        if self.mode == "slow":
            await asyncio.sleep(SLOW_S)
        if self.mode == "malformed":
            return web.Response(text="<html>not json", content_type="text/html")
        return None

    async def _forecast(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        failure = await self._failure()
        if failure is not None:
            return failure
        data = fixture("forecast_lisbon.json")
        data["latitude"] = round(float(request.query["latitude"]), 2)
        data["longitude"] = round(float(request.query["longitude"]), 2)
        return web.json_response(self._today(data))

    async def _search(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        failure = await self._failure()
        if failure is not None:
            return failure
        name = PLACES.get(request.query.get("name", "").lower(), "search_nothing.json")
        return web.json_response(fixture(name))

    def _today(self, recorded: dict[str, Any]) -> dict[str, Any]:
        data = copy.deepcopy(recorded)
        now = datetime.now(zoneinfo.ZoneInfo(data["timezone"]))
        first = now.date() + timedelta(days=self.days_ahead)
        data["daily"]["time"] = [
            (first + timedelta(days=i)).isoformat() for i in range(len(data["daily"]["time"]))
        ]
        data["current"]["time"] = now.strftime("%Y-%m-%dT%H:%M")
        return data

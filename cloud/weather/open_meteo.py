"""Open-Meteo (https://open-meteo.com): forecasts and place names, no key needed.

Forecast: ``GET {weather_url}/v1/forecast?latitude=…&longitude=…&current=…&daily=…
&timezone=auto`` answers ``{"timezone", "current": {"time", "temperature_2m", "weather_code"},
"daily": {"time": [...], "weather_code": [...], "temperature_2m_max": [...], …}, "…_units"}``.
Geocoding: ``GET {geocoding_url}/v1/search?name=…&count=1`` answers ``{"results": [{"name",
"latitude", "longitude", "country", …}]}``, without ``results`` when nothing matched. Errors
come as HTTP 400 with ``{"error": true, "reason": "…"}``. Every call is bounded by a timeout,
and every failure becomes ``WeatherUnavailableError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import msgspec
import structlog

from cloud.errors import WeatherUnavailableError
from cloud.weather.port import Place
from jarvis.settings import Settings
from models.weather import CurrentWeather, DayWeather, Forecast

log = structlog.get_logger(__name__)

T = TypeVar("T")

DEFAULT_WEATHER_URL = "https://api.open-meteo.com"
DEFAULT_GEOCODING_URL = "https://geocoding-api.open-meteo.com"
FORECAST_DAYS = 7
_DAILY = ("weather_code", "temperature_2m_max", "temperature_2m_min", "precipitation_sum")
_CURRENT = ("temperature_2m", "weather_code")


@dataclass(frozen=True, slots=True)
class OpenMeteoConfig:
    weather_url: str
    geocoding_url: str
    timeout_s: float
    """Longest any one call may take, connecting included."""


def config_from(settings: Settings) -> OpenMeteoConfig:
    """The URLs from the settings; an unset geocoding URL is Open-Meteo's own for its public
    forecast API, and the forecast server's for any other (a self-hosted or test server)."""
    weather_url = settings.weather_url.rstrip("/")
    geocoding_url = settings.geocoding_url or (
        DEFAULT_GEOCODING_URL if weather_url == DEFAULT_WEATHER_URL else weather_url
    )
    return OpenMeteoConfig(weather_url, geocoding_url.rstrip("/"), settings.weather_timeout_s)


class _Current(msgspec.Struct):
    time: str
    temperature_2m: float | None = None
    weather_code: int | None = None


class _Daily(msgspec.Struct):
    time: list[str]
    weather_code: list[int | None]
    temperature_2m_max: list[float | None]
    temperature_2m_min: list[float | None]
    precipitation_sum: list[float | None] | None = None


class _ForecastAnswer(msgspec.Struct):
    latitude: float
    longitude: float
    timezone: str
    daily: _Daily
    current: _Current | None = None
    daily_units: dict[str, str] = msgspec.field(default_factory=dict)


class _GeoResult(msgspec.Struct):
    name: str
    latitude: float
    longitude: float
    country: str | None = None


class _GeoAnswer(msgspec.Struct):
    results: list[_GeoResult] = msgspec.field(default_factory=list)


class OpenMeteo:
    """The ``WeatherProvider`` over Open-Meteo's HTTP APIs, on a session its owner closes."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: OpenMeteoConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._config = config
        self._clock = clock

    async def find_place(self, name: str) -> Place | None:
        params = {"name": name, "count": "1", "language": "en", "format": "json"}
        answer = await self._get(f"{self._config.geocoding_url}/v1/search", params, _GeoAnswer)
        if not answer.results:
            return None
        best = answer.results[0]
        return Place(best.name, best.latitude, best.longitude, best.country)

    async def forecast(self, place: Place) -> Forecast:
        params = {
            "latitude": f"{place.lat:.4f}",
            "longitude": f"{place.lon:.4f}",
            "current": ",".join(_CURRENT),
            "daily": ",".join(_DAILY),
            "timezone": "auto",
            "forecast_days": str(FORECAST_DAYS),
            "temperature_unit": "celsius",
            "precipitation_unit": "mm",
        }
        fetched_at = self._clock()
        answer = await self._get(f"{self._config.weather_url}/v1/forecast", params, _ForecastAnswer)
        return _to_forecast(answer, place, fetched_at)

    async def _get(self, url: str, params: Mapping[str, str], kind: type[T]) -> T:
        timeout = aiohttp.ClientTimeout(total=self._config.timeout_s)
        try:
            async with self._session.get(url, params=params, timeout=timeout) as response:
                body = await response.read()
                status = response.status
        except TimeoutError:
            log.warning("weather.timeout", url=url, timeout_s=self._config.timeout_s)
            raise WeatherUnavailableError("the weather service did not answer in time") from None
        except aiohttp.ClientError as error:
            log.warning("weather.unreachable", url=url, error=str(error))
            raise WeatherUnavailableError("the weather service is unreachable") from None
        if status != 200:
            log.warning("weather.http_error", url=url, status=status, reason=_reason(body))
            raise WeatherUnavailableError(f"the weather service answered with an error ({status})")
        try:
            return msgspec.json.decode(body, type=kind)
        except msgspec.DecodeError as error:
            log.warning("weather.malformed", url=url, error=str(error))
            raise WeatherUnavailableError(
                "the weather service sent an answer I can't read"
            ) from None


def _reason(body: bytes) -> str:
    """Open-Meteo's ``reason`` for an error, or the start of whatever came."""
    try:
        data: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return body[:200].decode("utf-8", errors="replace")
    if isinstance(data, dict) and isinstance(data.get("reason"), str):
        return str(data["reason"])
    return body[:200].decode("utf-8", errors="replace")


def _to_forecast(answer: _ForecastAnswer, place: Place, fetched_at: float) -> Forecast:
    for key in ("temperature_2m_max", "temperature_2m_min"):
        unit = answer.daily_units.get(key, "°C")
        if unit != "°C":
            raise WeatherUnavailableError(f"the weather service sent {key} in {unit}, not °C")
    daily = answer.daily
    precipitation = daily.precipitation_sum or [None] * len(daily.time)
    columns = (
        daily.weather_code,
        daily.temperature_2m_min,
        daily.temperature_2m_max,
        precipitation,
    )
    if any(len(column) != len(daily.time) for column in columns):
        raise WeatherUnavailableError("the weather service sent days of unequal length")
    days = tuple(
        DayWeather(day, code, low, high, rain or 0.0)
        for day, code, low, high, rain in zip(daily.time, *columns, strict=True)
        # A day the model has no values for yet (null) is left out, never made up.
        if code is not None and low is not None and high is not None
    )
    current = answer.current
    now = (
        CurrentWeather(current.time, current.temperature_2m, current.weather_code)
        if current is not None
        and current.temperature_2m is not None
        and current.weather_code is not None
        else None
    )
    return Forecast(
        place=place.name,
        lat=place.lat,
        lon=place.lon,
        timezone=answer.timezone,
        fetched_at=fetched_at,
        current=now,
        days=days,
    )

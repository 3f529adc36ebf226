"""Devices and where they are."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from models._wire import as_object, get_list, get_number, get_str
from models.errors import DecodeError

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), the usual choice for haversine distances."""


@dataclass(frozen=True, slots=True)
class Location:
    """A point on Earth in decimal degrees (WGS 84)."""

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

    def to_wire(self) -> dict[str, Any]:
        return {"lat": self.lat, "lon": self.lon}

    @classmethod
    def from_wire(cls, data: object, path: str = "location") -> Location:
        obj = as_object(data, path)
        lat, lon = get_number(obj, "lat", path), get_number(obj, "lon", path)
        try:
            return cls(lat=lat, lon=lon)
        except DecodeError as error:
            raise DecodeError(f"{path}.{error.field}", error.problem) from None


@dataclass(frozen=True, slots=True)
class Device:
    """An edge assistant the user owns; every device is also a worker."""

    id: str
    name: str
    capabilities: frozenset[str] = field(default_factory=frozenset)
    location: Location | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "capabilities": sorted(self.capabilities),
            "location": self.location.to_wire() if self.location else None,
        }

    @classmethod
    def from_wire(cls, data: object, path: str = "device") -> Device:
        obj = as_object(data, path)
        capabilities = get_list(obj, "capabilities", path)
        for index, capability in enumerate(capabilities):
            if not isinstance(capability, str):
                raise DecodeError(f"{path}.capabilities[{index}]", "expected a string")
        location = obj.get("location")
        return cls(
            id=get_str(obj, "id", path),
            name=get_str(obj, "name", path),
            capabilities=frozenset(capabilities),
            location=None if location is None else Location.from_wire(location, f"{path}.location"),
        )

"""A device's settings: the cloud keeps them, validates them, and pushes them to the device."""

from __future__ import annotations

import zoneinfo
from typing import Annotated, Any, Literal

import msgspec

from models.codec import to_wire

WakeSensitivity = Literal["normal", "high", "strict"]
"""``JARVIS_WAKE_SENSITIVITY``. ``normal``: the thresholds nearest the goals; ``high``: the ones
the wake word's training chose to miss fewer voices it never heard while its held-out false wakes
and near misses stay within four times the goals (both stored in the model); ``strict``: the
normal thresholds, and the whisper check overrules the heads' wake where it is sure the phrase
was not said (fewer near misses; more phrases missed in voices the check does not know)."""


class DeviceSettings(msgspec.Struct, omit_defaults=True, frozen=True):
    """Settings a device takes from the cloud, every one optional.

    Keys this build does not know are ignored when read from the wire (a newer cloud may send
    more); the cloud's API refuses them (``cloud.store.device_config``)."""

    timezone: str | None = None
    """IANA zone for times said to this device ("Europe/Paris"); unset means UTC."""
    wake_word: str | None = None
    voice: str | None = None
    """A TTS voice name the edge understands."""
    volume: Annotated[int, msgspec.Meta(ge=0, le=100)] | None = None
    """Speaking volume, percent."""
    language: str | None = None
    """BCP 47 tag ("en-US")."""
    place: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | None = None
    """Where the device is, by name ("Lisbon"), for the weather; unset: the location its
    hello gave (``JARVIS_LOCATION``)."""
    temperature_unit: Literal["celsius", "fahrenheit"] | None = None
    """How temperatures are said; unset: what the ``language`` tag's region uses."""
    ha_url: str | None = None
    """The user's Home Assistant (``http://homeassistant.local:8123``); the edge calls it."""
    ha_token: str | None = None
    """A Home Assistant long-lived access token, for the edge; never logged."""

    def __post_init__(self) -> None:
        if self.timezone is not None:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.timezone!r}") from None
        if self.ha_url is not None and not self.ha_url.startswith(("http://", "https://")):
            raise ValueError(f"ha_url: expected an http(s) URL, got {self.ha_url!r}")

    def to_wire(self) -> dict[str, Any]:
        """The settings that are set, as JSON values."""
        wire: dict[str, Any] = to_wire(self)
        return wire

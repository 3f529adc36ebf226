"""Home Assistant over its own APIs: REST for states and services, WebSocket for the registries
and its conversation agent. Every wait is bounded; the token never reaches a log or a message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from assistant.errors import (
    HomeAssistantAuthError,
    HomeAssistantError,
    HomeAssistantUnavailableError,
)

TIMEOUT_S = 5.0
"""Longest any one request to Home Assistant may take."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing in the house, as Jarvis needs it to find it by name."""

    entity_id: str
    """``light.kitchen_ceiling_light``."""
    name: str
    """The friendly name people use: "Kitchen ceiling light"."""
    state: str
    area: str | None = None
    """The area's name ("Kitchen"), when the entity or its device is in one."""
    aliases: tuple[str, ...] = ()
    device_class: str | None = None

    @property
    def domain(self) -> str:
        return self.entity_id.partition(".")[0]


@dataclass(frozen=True, slots=True)
class HomeAssistantConfig:
    url: str
    """``http://homeassistant.local:8123``, no trailing slash."""
    token: str = field(repr=False)
    """A long-lived access token; kept out of ``repr`` so it never lands in a log."""


class HomeAssistant:
    """A client for one Home Assistant; owns its HTTP session (:meth:`close`)."""

    def __init__(self, config: HomeAssistantConfig, timeout_s: float = TIMEOUT_S) -> None:
        self.config = config
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return self.config.url

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                headers={"Authorization": f"Bearer {self.config.token}"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _request(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        try:
            async with self._http().request(
                method, f"{self.config.url}{path}", json=body
            ) as response:
                if response.status in (401, 403):
                    raise HomeAssistantAuthError(_refused(response.status))
                if response.status >= 400:
                    raise HomeAssistantError(
                        f"Home Assistant answered {response.status} to {method} {path}"
                    )
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise HomeAssistantUnavailableError(_unreachable(self.config.url, error)) from None

    async def states(self) -> list[dict[str, Any]]:
        """``GET /api/states``: every entity with its state and attributes."""
        found = await self._request("GET", "/api/states")
        return list(found) if isinstance(found, list) else []

    async def state_of(self, entity_id: str) -> str:
        """``GET /api/states/<entity_id>``: its state now."""
        found = await self._request("GET", f"/api/states/{entity_id}")
        return str((found or {}).get("state"))

    async def call_service(self, domain: str, service: str, data: Mapping[str, Any]) -> None:
        """``POST /api/services/<domain>/<service>``."""
        await self._request("POST", f"/api/services/{domain}/{service}", data)

    async def websocket(self, *commands: Mapping[str, Any]) -> list[Any]:
        """Runs ``commands`` on one authenticated WebSocket; their results, in order."""
        try:
            async with asyncio.timeout(self._timeout.total):
                return await self._websocket(commands)
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise HomeAssistantUnavailableError(_unreachable(self.config.url, error)) from None

    async def _websocket(self, commands: tuple[Mapping[str, Any], ...]) -> list[Any]:
        return await websocket_commands(self._http(), self.config.url, self.config.token, commands)

    async def entities(self) -> tuple[list[Entity], dict[str, str]]:
        """Every entity with its name, area and aliases, and the areas (id → name)."""
        states = await self.states()
        registry, areas, devices = await self.websocket(
            {"type": "config/entity_registry/list"},
            {"type": "config/area_registry/list"},
            {"type": "config/device_registry/list"},
        )
        ids = [entry["entity_id"] for entry in registry if isinstance(entry, dict)]
        # The compact list holds no aliases: the extended entries do.
        (extended,) = await self.websocket(
            {"type": "config/entity_registry/get_entries", "entity_ids": ids}
        )
        area_names = {area["area_id"]: area["name"] for area in areas}
        device_areas = {device["id"]: device.get("area_id") for device in devices}
        return _entities(states, registry, extended or {}, area_names, device_areas), area_names

    async def converse(self, text: str, language: str = "en") -> tuple[str, bool]:
        """Home Assistant's conversation agent: its spoken answer, and whether it understood."""
        (result,) = await self.websocket(
            {"type": "conversation/process", "text": text, "language": language}
        )
        response = (result or {}).get("response") or {}
        speech = ((response.get("speech") or {}).get("plain") or {}).get("speech") or ""
        understood = response.get("response_type") in ("action_done", "query_answer")
        return str(speech), understood


def _entities(
    states: list[dict[str, Any]],
    registry: list[dict[str, Any]],
    extended: Mapping[str, Any],
    area_names: Mapping[str, str],
    device_areas: Mapping[str, str | None],
) -> list[Entity]:
    by_id = {entry["entity_id"]: entry for entry in registry}
    found = []
    for state in states:
        entity_id = state.get("entity_id")
        if not isinstance(entity_id, str):
            continue
        attributes = state.get("attributes") or {}
        entry = by_id.get(entity_id) or {}
        area_id = entry.get("area_id") or device_areas.get(entry.get("device_id") or "")
        aliases = (extended.get(entity_id) or {}).get("aliases") or []
        name = entry.get("name") or attributes.get("friendly_name") or entity_id
        found.append(
            Entity(
                entity_id=entity_id,
                name=str(name),
                state=str(state.get("state")),
                area=area_names.get(area_id) if area_id else None,
                aliases=tuple(str(alias) for alias in aliases),
                device_class=attributes.get("device_class"),
            )
        )
    return found


async def websocket_commands(
    session: aiohttp.ClientSession, url: str, token: str, commands: Sequence[Mapping[str, Any]]
) -> list[Any]:
    """Runs ``commands`` in order on one authenticated WebSocket at ``url``; their results.

    A refused token is :class:`HomeAssistantAuthError`, a refused command
    :class:`HomeAssistantError` naming it; replies to other ids (events) are skipped."""
    results: list[Any] = []
    async with session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise HomeAssistantAuthError(_refused(None))
        for number, command in enumerate(commands, start=1):
            await ws.send_json({"id": number, **command})
            reply = await ws.receive_json()
            while reply.get("id") != number or reply.get("type") != "result":
                reply = await ws.receive_json()
            if not reply.get("success"):
                error = reply.get("error") or {}
                raise HomeAssistantError(
                    f"Home Assistant refused {command.get('type')}: {error.get('message')}"
                )
            results.append(reply.get("result"))
    return results


def _refused(status: int | None) -> str:
    shown = f" ({status})" if status else ""
    return f"Home Assistant refused the access token{shown}: create a new long-lived token"


def _unreachable(url: str, error: BaseException) -> str:
    reason = type(error).__name__ if isinstance(error, TimeoutError) else str(error) or "no answer"
    return f"Home Assistant at {url} is not reachable: {reason}"

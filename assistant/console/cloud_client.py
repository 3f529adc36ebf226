"""The console's way to the cloud: the edge asks with its own device token, the browser never does.

Missions, devices and traces live in the cloud's database; the cloud's ``/v1/console/…`` routes
(``cloud/http/console_api.py``) answer a device about what concerns it. Each call is short and
bounded
in time, and a cloud that is down or not configured becomes a :class:`ConsoleCloudError` the
console shows, never a hang.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import structlog

log = structlog.get_logger(__name__)

CLOUD_TIMEOUT_S = 5.0


class ConsoleCloudError(Exception):
    """The cloud could not answer: ``status`` and ``code`` are what the console's API returns."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class ConsoleCloud:
    """Calls the cloud's console routes with this device's token; ``close()`` ends the session."""

    def __init__(self, cloud_url: str | None, token: str | None) -> None:
        self._base_url = cloud_url.rstrip("/") if cloud_url else None
        self._token = token
        self._session: aiohttp.ClientSession | None = None

    @property
    def configured(self) -> bool:
        return self._base_url is not None and self._token is not None

    async def get(self, path: str) -> dict[str, Any]:
        return await self._call("GET", path)

    async def post(self, path: str) -> dict[str, Any]:
        return await self._call("POST", path)

    async def _call(self, method: str, path: str) -> dict[str, Any]:
        if not self.configured:
            # Nothing there to find (not a server fault): what it asks about cannot exist here.
            raise ConsoleCloudError(404, "no_cloud", "This edge has no cloud brain configured.")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=CLOUD_TIMEOUT_S),
            )
        url = f"{self._base_url}/v1/console/{path}"
        try:
            async with self._session.request(method, url) as response:
                body = await response.json(content_type=None)
                if response.status >= 400:
                    error = body.get("error", {}) if isinstance(body, dict) else {}
                    raise ConsoleCloudError(
                        response.status,
                        str(error.get("code", "cloud_error")),
                        str(error.get("message", "The cloud brain refused.")),
                    )
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.info("console.cloud_unreachable", path=path, error=repr(error))
            raise ConsoleCloudError(
                502, "cloud_unreachable", "The cloud brain cannot be reached just now."
            ) from None
        if not isinstance(body, dict):
            raise ConsoleCloudError(502, "cloud_unreachable", "The cloud brain answered oddly.")
        return body

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
            await asyncio.sleep(0)  # lets the connector's transports finish closing

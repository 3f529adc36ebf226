"""Who may call a cloud HTTP route: the admin (its token), or a device for what is its own."""

from __future__ import annotations

from aiohttp import web

from cloud.errors import UnauthorizedError
from cloud.keys import ADMIN_TOKEN, POOL
from cloud.store import devices


def require_admin(request: web.Request) -> None:
    """Raise UnauthorizedError unless the request carries the admin token."""
    devices.check_admin(request.app[ADMIN_TOKEN], request.headers.get("Authorization"))


async def admin_or_device(request: web.Request) -> str | None:
    """``None`` for the admin, the device's id for a device's own token; UnauthorizedError for
    neither (a request without any token is refused before a device is looked up)."""
    authorization = request.headers.get("Authorization")
    try:
        devices.check_admin(request.app[ADMIN_TOKEN], authorization)
        return None
    except UnauthorizedError as error:
        if error.reason == "missing":
            raise
    return await devices.authenticate_device(request.app[POOL], authorization)


async def require_device_or_admin(request: web.Request, device_id: str) -> None:
    """Raise UnauthorizedError unless the caller is the admin or the device ``device_id``."""
    caller = await admin_or_device(request)
    if caller is not None and caller != device_id:
        raise UnauthorizedError("other device")

"""What both HTTP servers (edge and cloud) refuse before any handler runs.

- **DNS rebinding.** A web page on ``evil.example`` that re-points its own name to 127.0.0.1 can
  make the browser talk to a loopback server, but the browser still sends ``Host:
  evil.example``. So a server answers only requests whose ``Host`` is a loopback name or
  address, the address it was bound to, or a name configured explicitly
  (``JARVIS_ALLOWED_HOSTS``); anything else gets 421 Misdirected Request.
- **Slow clients.** Headers must arrive within ``HEADER_TIMEOUT_S`` of the connection opening
  (or of the previous request), a body within ``BODY_TIMEOUT_S`` of its headers; a client that
  dribbles bytes to hold a connection open is cut off rather than kept forever.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from jarvis.http_errors import error_response

HEADER_TIMEOUT_S = 15.0
"""Longest wait for a request's headers on an open connection (aiohttp's ``keepalive_timeout``
is that timer: it closes a connection whose next request is not complete in time)."""
BODY_TIMEOUT_S = 15.0
"""Longest a request body may take to arrive once its headers are in."""
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def runner_options(header_timeout_s: float = HEADER_TIMEOUT_S) -> dict[str, Any]:
    """Keyword arguments for ``web.AppRunner`` that bound how long headers may take."""
    return {"keepalive_timeout": header_timeout_s}


def host_name(header: str) -> str:
    """The name in a ``Host`` header, without its port, lower case (``[::1]:80`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    if header.count(":") == 1:
        return header.partition(":")[0]
    return header  # a bare name, or a bare IPv6 address


def allowed_hosts(bind_host: str, configured: Iterable[str]) -> frozenset[str]:
    """The host names a server bound to ``bind_host`` answers, besides loopback ones."""
    names = {host_name(name) for name in configured if name.strip()}
    if bind_host not in WILDCARD_BINDS:
        names.add(host_name(bind_host))
    return frozenset(names)


def is_allowed_host(header: str | None, allowed: frozenset[str]) -> bool:
    """True when ``header`` (a request's ``Host``) is loopback or one of ``allowed``.

    A request without a Host header comes from no browser (HTTP/1.1 clients must send one, and
    browsers always do), so it cannot be a rebinding attack: it is let through."""
    if header is None:
        return True
    name = host_name(header)
    if name in LOOPBACK_NAMES or name in allowed:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_guard(allowed: frozenset[str]) -> Middleware:
    """A middleware answering 421 to a request whose ``Host`` is not one this server serves."""

    @web.middleware
    async def check_host(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_allowed_host(request.headers.get("Host"), allowed):
            return error_response(
                421,
                "misdirected_request",
                "This server answers only requests addressed to it by a loopback name or "
                "address (or a name in JARVIS_ALLOWED_HOSTS).",
            )
        return await handler(request)

    return check_host

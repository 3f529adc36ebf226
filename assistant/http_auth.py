"""Who may use the edge HTTP API: anyone on loopback; beyond it, a token and a known network.

Bound to a loopback address the API serves this machine only and needs nothing. Bound to any
other address (``0.0.0.0``, a LAN address, a host name) it starts only with both a bearer token
(``JARVIS_EDGE_TOKEN``) and an allowlist of client networks (``JARVIS_EDGE_ALLOW``, CIDRs); then
every request must come from an allowed address (else 403) and carry ``Authorization: Bearer
<token>`` (else 401). A token or allowlist that is set is enforced on loopback too.

The client address is the TCP peer; ``X-Forwarded-For`` is never trusted.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from assistant.errors import EdgeSetupError
from jarvis.http_errors import error_response

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
TOKEN_FREE_PATHS = frozenset({"/", "/v1/console/talk"})
TOKEN_FREE_PREFIX = "/console/"
"""The web console's page and static files: they hold no data, and a browser cannot send a
token when it navigates. The page asks for the token and sends it with every API call; the
talk WebSocket (a browser cannot give it a header either) checks the token in its first message.
The address allowlist still applies to them."""


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """What a request needs; an empty policy (loopback, nothing set) admits everything."""

    token: str | None = None
    networks: tuple[Network, ...] = ()

    def admits_address(self, remote: str | None) -> bool:
        if not self.networks:
            return True
        address = _address(remote)
        return address is not None and any(address in network for network in self.networks)

    def admits_token(self, authorization: str | None) -> bool:
        if self.token is None:
            return True
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        # Constant-time: the time taken says nothing about how much of the token matched.
        return hmac.compare_digest(presented.strip().encode(), self.token.encode())


def is_loopback(host: str) -> bool:
    """True for a loopback address or ``localhost``; an empty host binds every address."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to anything, so it is not loopback


def access_policy(host: str, token: str | None, allow: tuple[str, ...]) -> AccessPolicy:
    """The policy for binding ``host``; ``EdgeSetupError`` when exposing it would be unsafe."""
    if not is_loopback(host) and (not token or not allow):
        missing = [
            name
            for name, value in (("JARVIS_EDGE_TOKEN", token), ("JARVIS_EDGE_ALLOW", allow))
            if not value
        ]
        raise EdgeSetupError(
            f"JARVIS_EDGE_HOST={host!r} exposes the edge HTTP API beyond this machine, which "
            f"needs a bearer token and the client networks allowed: set {' and '.join(missing)} "
            "(e.g. JARVIS_EDGE_ALLOW=192.168.1.0/24), or bind 127.0.0.1."
        )
    try:
        networks = tuple(ipaddress.ip_network(network, strict=False) for network in allow)
    except ValueError as error:
        raise EdgeSetupError(f"JARVIS_EDGE_ALLOW: {error}") from None
    return AccessPolicy(token=token or None, networks=networks)


def access_middleware(policy: AccessPolicy) -> Middleware:
    """An aiohttp middleware enforcing ``policy``; errors in the one JSON shape."""

    @web.middleware
    async def check_access(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not policy.admits_address(request.remote):
            return error_response(403, "forbidden", "Requests from this address are not allowed.")
        token_free = request.path in TOKEN_FREE_PATHS or request.path.startswith(TOKEN_FREE_PREFIX)
        if not token_free and not policy.admits_token(request.headers.get("Authorization")):
            response = error_response(
                401, "unauthorized", "Send `Authorization: Bearer <JARVIS_EDGE_TOKEN>`."
            )
            response.headers["WWW-Authenticate"] = 'Bearer realm="jarvis-edge"'
            return response
        return await handler(request)

    return check_access


def _address(remote: str | None) -> Address | None:
    if not remote:
        return None
    try:
        address = ipaddress.ip_address(remote.split("%")[0])
    except ValueError:
        return None
    # A dual-stack socket shows IPv4 clients as ::ffff:a.b.c.d; match them as IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address

"""The cloud on a real socket: foreign Host names refused, slow clients cut off."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import pytest
from cloud_helpers import CloudFactory, CloudInstance

from cloud.http import bodies as http_bodies


async def _raw(cloud: CloudInstance, request: bytes) -> bytes:
    """Send ``request`` as is on a fresh connection; everything the cloud answers."""
    parts = urlsplit(cloud.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()


def _get(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()


async def test_a_foreign_host_is_421(clouds: CloudFactory) -> None:
    """Host: evil.example.com gets 421 in the JSON error shape; loopback names get through."""
    cloud = await clouds.start()
    answer = await _raw(cloud, _get("/v1/health", "evil.example.com:8766"))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 421")
    assert json.loads(body)["error"]["code"] == "misdirected_request"
    for host in ("127.0.0.1", "localhost:8766", "[::1]:8766"):
        assert (await _raw(cloud, _get("/v1/health", host))).startswith(b"HTTP/1.1 200"), host


async def test_a_configured_host_name_is_served(clouds: CloudFactory) -> None:
    """A name in JARVIS_ALLOWED_HOSTS is answered like a loopback one."""
    cloud = await clouds.start(environ={"JARVIS_ALLOWED_HOSTS": "brain.example, other.lan"})
    answer = await _raw(cloud, _get("/v1/health", "brain.example:8766"))
    assert answer.startswith(b"HTTP/1.1 200")
    answer = await _raw(cloud, _get("/v1/health", "evil.example"))
    assert answer.startswith(b"HTTP/1.1 421")


async def test_a_dribbled_body_is_408(
    clouds: CloudFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request body that does not arrive within the body timeout is answered 408."""
    monkeypatch.setattr(http_bodies, "BODY_TIMEOUT_S", 0.3)
    cloud = await clouds.start()
    parts = urlsplit(cloud.url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        writer.write(
            b"POST /v1/admin/devices HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Authorization: Bearer " + cloud.admin_token.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"request_timeout" in answer

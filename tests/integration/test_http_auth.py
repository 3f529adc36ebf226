"""The edge HTTP API beyond loopback: a bearer token and client networks, or no start at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from assistant.app import run_edge
from assistant.errors import EdgeSetupError
from assistant.http_api import create_api
from assistant.http_auth import AccessPolicy, access_policy, is_loopback
from assistant.say_client import SayError, say_and_follow
from assistant.testing import conversation_for_tests
from jarvis.settings import load_settings

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[[AccessPolicy], Awaitable[Client]]
TOKEN = "s3cret-token-for-tests"


@pytest.fixture
async def make_client(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[MakeClient]:
    async with conversation_for_tests(tmp_path) as (conversation, bus):

        async def make(policy: AccessPolicy) -> Client:
            client: Client = await aiohttp_client(create_api(conversation, bus, access=policy))
            return client

        yield make


def nothing_in(directory: Path) -> bool:
    return not any(directory.iterdir())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_missing_or_wrong_token_gets_401(make_client: MakeClient) -> None:
    """Without the token, or with another one, every route answers 401 in the JSON error shape."""
    client = await make_client(access_policy("0.0.0.0", TOKEN, ("127.0.0.0/8",)))
    for headers in ({}, bearer("wrong"), bearer(TOKEN + "x"), {"Authorization": TOKEN}):
        response = await client.get("/v1/status", headers=headers)
        assert response.status == 401, headers
        assert (await response.json())["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    posted = await client.post("/v1/utterances", json={"text": "what time is it"})
    assert posted.status == 401


async def test_the_right_token_from_an_allowed_network_is_served(make_client: MakeClient) -> None:
    """The token and an address inside an allowed network reach the API as usual."""
    client = await make_client(access_policy("0.0.0.0", TOKEN, ("10.0.0.0/8", "127.0.0.1/32")))
    response = await client.post(
        "/v1/utterances", json={"text": "what time is it"}, headers=bearer(TOKEN)
    )
    assert response.status == 200
    assert (await response.json())["intent"] == "time.now"


async def test_an_address_outside_the_allowed_networks_gets_403(make_client: MakeClient) -> None:
    """A client outside every allowed network is refused even with the right token."""
    client = await make_client(access_policy("0.0.0.0", TOKEN, ("10.0.0.0/8", "fd00::/8")))
    response = await client.get("/v1/status", headers=bearer(TOKEN))
    assert response.status == 403
    assert (await response.json())["error"] == {
        "code": "forbidden",
        "message": "Requests from this address are not allowed.",
    }


async def test_a_loopback_bind_needs_neither_token_nor_allowlist(make_client: MakeClient) -> None:
    """Bound to loopback with nothing configured, requests need no credentials."""
    client = await make_client(access_policy("127.0.0.1", None, ()))
    response = await client.get("/v1/status")
    assert response.status == 200


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("", False),
        ("192.168.1.20", False),
        ("kitchen.local", False),
    ],
)
def test_loopback_is_recognised(host: str, loopback: bool) -> None:
    """Only loopback addresses and localhost count as loopback; a host name does not."""
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("token", "allow", "missing"),
    [
        (None, (), "JARVIS_EDGE_TOKEN and JARVIS_EDGE_ALLOW"),
        (TOKEN, (), "JARVIS_EDGE_ALLOW"),
        (None, ("192.168.1.0/24",), "JARVIS_EDGE_TOKEN"),
    ],
)
async def test_a_non_loopback_bind_without_token_and_allowlist_refuses_to_start(
    tmp_path: Path, token: str | None, allow: tuple[str, ...], missing: str
) -> None:
    """run_edge on 0.0.0.0 fails at once, naming what is missing, before anything listens."""
    environ = {
        "JARVIS_DATA_DIR": str(tmp_path),
        "JARVIS_EDGE_HOST": "0.0.0.0",
        "JARVIS_EDGE_PORT": "0",
        "JARVIS_VOICE": "off",
    }
    if token:
        environ["JARVIS_EDGE_TOKEN"] = token
    if allow:
        environ["JARVIS_EDGE_ALLOW"] = ",".join(allow)
    ready: list[str] = []
    with pytest.raises(EdgeSetupError, match=f"set {missing} "):
        await run_edge(load_settings(environ), on_ready=ready.append)
    assert ready == []
    assert nothing_in(tmp_path)  # not even the database was opened


async def test_an_exposed_edge_with_token_and_allowlist_starts_and_checks(tmp_path: Path) -> None:
    """The real edge on 0.0.0.0 serves an allowed client with the token (`jarvis say` sends it)
    and refuses one without."""
    environ = {
        "JARVIS_DATA_DIR": str(tmp_path),
        "JARVIS_EDGE_HOST": "0.0.0.0",
        "JARVIS_EDGE_PORT": "0",
        "JARVIS_VOICE": "off",
        "JARVIS_EDGE_TOKEN": TOKEN,
        "JARVIS_EDGE_ALLOW": "127.0.0.0/8",
    }
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    edge = asyncio.create_task(run_edge(load_settings(environ), on_ready=ready.set_result))
    try:
        url = (await asyncio.wait_for(ready, 60)).replace("0.0.0.0", "127.0.0.1")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/v1/status") as refused:
                assert refused.status == 401
            async with session.get(f"{url}/v1/status", headers=bearer(TOKEN)) as served:
                assert served.status == 200
        said: list[str] = []
        assert await say_and_follow(
            url, "what is 2 plus 2", timeout_s=10, echo=said.append, token=TOKEN
        )
        assert len(said) == 1
        assert "4" in said[0]
        with pytest.raises(SayError, match="Bearer"):
            await say_and_follow(url, "what is 2 plus 2", timeout_s=10, echo=said.append)
    finally:
        edge.cancel()
        await asyncio.gather(edge, return_exceptions=True)

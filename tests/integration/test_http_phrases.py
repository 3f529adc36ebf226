"""The edge's phrase endpoints in-process: teach, list, forget, and every refusal as JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from assistant.http_api import create_api
from assistant.testing import conversation_for_tests

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(tmp_path: Path, aiohttp_client: Any) -> AsyncIterator[Client]:
    async with conversation_for_tests(tmp_path) as (conversation, bus):
        yield await aiohttp_client(create_api(conversation, bus))


async def test_a_phrase_is_taught_listed_and_forgotten(client: Client) -> None:
    """POST 201, then GET lists it with its intents, then DELETE forgets it."""
    taught = await client.post(
        "/v1/phrases", json={"phrase": "Movie time", "actions": "pause the music then mute"}
    )
    assert taught.status == 201
    assert (await taught.json())["phrase"] == "Movie time"
    listed = await (await client.get("/v1/phrases")).json()
    assert listed == {
        "phrases": [
            {
                "phrase": "Movie time",
                "actions": "pause the music then mute",
                "intents": [
                    {"name": "media.pause", "slots": {}},
                    {"name": "volume.mute", "slots": {}},
                ],
            }
        ]
    }
    forgotten = await client.delete("/v1/phrases/movie%20time")
    assert forgotten.status == 200
    assert (await (await client.get("/v1/phrases")).json()) == {"phrases": []}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phrase": "stop", "actions": "mute"}, 409, "phrase_refused"),
        ({"phrase": "party", "actions": "call my mother"}, 409, "phrase_refused"),
        ({"phrase": "party"}, 400, "invalid_phrase"),
        ({"phrase": "p\u0000", "actions": "mute"}, 400, "invalid_phrase"),
        ({"phrase": "x" * 81, "actions": "mute"}, 400, "invalid_phrase"),
    ],
)
async def test_a_phrase_that_cannot_be_taught_is_refused_saying_why(
    client: Client, body: dict[str, str], status: int, code: str
) -> None:
    """Shadowing a command, running no command, or a bad body: a JSON error, nothing kept."""
    response = await client.post("/v1/phrases", json=body)
    assert response.status == status
    assert (await response.json())["error"]["code"] == code
    assert (await (await client.get("/v1/phrases")).json()) == {"phrases": []}


async def test_forgetting_a_phrase_never_taught_is_404(client: Client) -> None:
    """DELETE of an unknown phrase says it was never taught."""
    response = await client.delete("/v1/phrases/nothing")
    assert response.status == 404
    assert "haven't taught me" in (await response.json())["error"]["message"]

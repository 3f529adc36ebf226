"""The edge's and the cloud's HTTP APIs answer errors through the one middleware, in one shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from cloud_helpers import CloudFactory

from assistant.http_api import create_api
from assistant.testing import conversation_for_tests


def _shape(status: int, body: Any) -> tuple[int, list[str], list[str]]:
    return status, sorted(body), sorted(body["error"])


async def test_both_apis_answer_malformed_json_and_unknown_routes_alike(
    clouds: CloudFactory, tmp_path: Path, aiohttp_client: Any
) -> None:
    """Malformed JSON is a 400, an unknown route a 404 ``not_found`` and a wrong method a 405
    with ``Allow``, each ``{"error": {"code", "message"}}``, from the edge as from the cloud."""
    cloud = await clouds.start()
    malformed = b'{"text": "hello'
    async with conversation_for_tests(tmp_path / "edge") as (conversation, bus):
        edge = await aiohttp_client(create_api(conversation, bus))
        edge_bad = await edge.post(
            "/v1/utterances", data=malformed, headers={"Content-Type": "application/json"}
        )
        edge_answers = [(edge_bad.status, await edge_bad.json())]
        for method, path in [("GET", "/v1/nowhere"), ("DELETE", "/v1/status")]:
            response = await edge.request(method, path)
            edge_answers.append((response.status, await response.json()))
            if response.status == 405:
                assert "GET" in response.headers["Allow"]
    cloud_answers = []
    async with aiohttp.ClientSession(headers=cloud.admin_headers) as session:
        headers = {"Content-Type": "application/json"}
        async with session.post(
            f"{cloud.url}/v1/admin/devices", data=malformed, headers=headers
        ) as response:
            cloud_answers.append((response.status, await response.json()))
        for method, path in [("GET", "/v1/nowhere"), ("DELETE", "/v1/health")]:
            async with session.request(method, f"{cloud.url}{path}") as response:
                cloud_answers.append((response.status, await response.json()))
                if response.status == 405:
                    assert "GET" in response.headers["Allow"]
    assert [_shape(*answer) for answer in edge_answers] == [
        _shape(*answer) for answer in cloud_answers
    ]
    assert [_shape(*answer)[0] for answer in edge_answers] == [400, 404, 405]
    assert [body["error"]["code"] for _, body in edge_answers[1:]] == [
        body["error"]["code"] for _, body in cloud_answers[1:]
    ]
    assert edge_answers[0][1]["error"]["code"] == "invalid_json"
    assert cloud_answers[0][1]["error"]["code"] == "invalid_request"

"""A local imitation of an OpenAI-compatible chat-completions endpoint, for the planner tests."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


class FakeChatCompletions:
    """A test double for a remote OpenAI-compatible endpoint, which cannot be reached from tests.

    It serves ``POST /v1/chat/completions`` on 127.0.0.1, records each request, and answers with
    the next scripted message (or HTTP error status).
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.script: list[dict[str, Any] | int] = []
        self.url = ""

    def tool_call(self, name: str, **arguments: str) -> None:
        call = {"type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        self.script.append({"role": "assistant", "content": None, "tool_calls": [call]})

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        step = self.script.pop(0)
        if isinstance(step, int):
            return web.json_response({"error": {"message": "overloaded"}}, status=step)
        return web.json_response({"choices": [{"index": 0, "message": step}]})

"""The Home Assistant client stops when its owner stops it, even as an answer arrives.

Python 3.11's ``asyncio.wait_for`` returned the answer and dropped such a cancellation: the
house refresher went back to sleep and the edge waited for it for ever on shutdown (a CI run
hung there). The race is a single loop turn wide, so no real Home Assistant can be timed into
it: here the WebSocket exchange is a future the test answers itself, in the same turn as the
cancel. The exchange with a real Home Assistant is tested in ``tests/homeassistant``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from assistant import home_assistant
from assistant.home_assistant import HomeAssistant, HomeAssistantConfig


async def test_a_websocket_call_cancelled_as_its_answer_arrives_is_cancelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer and the cancel land in one loop turn: the call ends cancelled rather than
    returning the answer, so the task that made it stops instead of carrying on."""
    answer: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()

    async def exchange(*_: object) -> list[Any]:
        return await answer

    monkeypatch.setattr(home_assistant, "websocket_commands", exchange)
    client = HomeAssistant(HomeAssistantConfig(url="http://127.0.0.1:9", token="token"))
    try:
        call = asyncio.create_task(client.websocket({"type": "get_states"}))
        await asyncio.sleep(0)  # the call is now waiting for its answer
        answer.set_result([["the house"]])
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    finally:
        await client.close()

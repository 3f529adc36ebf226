"""`jarvis say`: ask a running edge over HTTP and follow the answer through its event stream."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import aiohttp

FOLLOW_UP_GRACE_S = 10.0
"""How long past its due time a follow-up (a timer) may arrive before we stop waiting."""


class SayError(Exception):
    """The edge could not be asked, or refused the question."""


async def say_and_follow(
    base_url: str,
    text: str,
    *,
    timeout_s: float | None,
    echo: Callable[[str], None],
    token: str | None = None,
    follow: bool = False,
    note: Callable[[str], None] | None = None,
) -> bool:
    """Print the reply, and with ``follow`` the timer or reminder it set once that fires;
    True unless the request failed.

    ``timeout_s`` bounds the whole command (None: no bound; then a follow-up is awaited until
    its due time plus a grace). ``note`` hears what is said about waiting, for a person (the
    CLI's stderr); ``token`` (``JARVIS_EDGE_TOKEN``) is sent as a bearer token when given."""
    note = note or (lambda _line: None)
    try:
        async with asyncio.timeout(timeout_s):
            return await _say(base_url, text, echo=echo, token=token, follow=follow, note=note)
    except TimeoutError:
        raise SayError(
            f"Gave up after {timeout_s:g} s (--timeout); the edge may still answer, and "
            "`jarvis history` will show it."
        ) from None


async def _say(
    base_url: str,
    text: str,
    *,
    echo: Callable[[str], None],
    token: str | None,
    follow: bool,
    note: Callable[[str], None],
) -> bool:
    timeout = aiohttp.ClientTimeout(total=None, connect=5, sock_connect=5)
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with aiohttp.ClientSession(base_url, timeout=timeout, headers=headers) as session:
        try:
            # Only what comes from now on: alerts nobody saw are left for a client that shows them.
            events = await session.get("/v1/events", params={"replay": "0"})
        except aiohttp.ClientError as error:
            raise SayError(
                f"No edge answers at {base_url} ({error}). Is `jarvis up` running?"
            ) from None
        async with events:
            if events.status >= 400:
                await _body(events)  # raises SayError with the edge's message (401, 403…)
            stream = _replies(events)
            # The edge writes a comment once we are subscribed: nothing can slip past us.
            await events.content.readline()
            view = await _post(session, text)
            if view["status"] == "pending":
                await _await_reply(stream, view["id"], echo)
                view = await _get(session, view["id"])
            echo(view["reply"])
            follow_up_at = view.get("follow_up_at")
            if view["status"] == "done" and follow_up_at is not None:
                due = datetime.fromtimestamp(follow_up_at).strftime("%H:%M:%S")
                if not follow:
                    note(f"(Due at {due}; `jarvis say --follow` waits for it and prints it.)")
                    return True
                note(f"(Waiting for what is due at {due}; Ctrl-C stops waiting, not it.)")
                wait_s = max(0.0, follow_up_at - time.time()) + FOLLOW_UP_GRACE_S
                await _echo_follow_up(stream, view["id"], wait_s, echo)
            return bool(view["status"] == "done")


async def _post(session: aiohttp.ClientSession, text: str) -> dict[str, Any]:
    async with session.post("/v1/utterances", json={"text": text}) as response:
        return await _body(response)


async def _get(session: aiohttp.ClientSession, utterance_id: str) -> dict[str, Any]:
    # The reply event says that it is answered; the record also says whether it failed.
    async with session.get(f"/v1/utterances/{utterance_id}") as response:
        return await _body(response)


async def _body(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body: dict[str, Any] = await response.json()
    except (aiohttp.ContentTypeError, ValueError):
        raise SayError(f"The edge answered {response.status} without JSON.") from None
    if response.status >= 400:
        raise SayError(body["error"]["message"])
    return body


async def _await_reply(
    stream: AsyncIterator[dict[str, Any]],
    utterance_id: str,
    echo: Callable[[str], None],
) -> None:
    """Wait for the reply event, echoing progress ("Working on it.") meanwhile (the whole
    command's timeout bounds the wait)."""
    async for reply in stream:
        if reply.get("utterance_id") != utterance_id:
            continue
        if reply.get("kind") in ("reply", "cancelled"):
            return
        if reply.get("kind") == "progress":
            echo(reply["text"])
    raise SayError("The edge closed the event stream before the reply came.")


async def _echo_follow_up(
    stream: AsyncIterator[dict[str, Any]],
    utterance_id: str,
    wait_s: float,
    echo: Callable[[str], None],
) -> None:
    try:
        async with asyncio.timeout(wait_s):
            async for event in stream:
                if event.get("utterance_id") == utterance_id and event.get("kind") not in (
                    "reply",
                    "progress",
                ):
                    echo(event["text"])
                    return
    except TimeoutError:
        raise SayError("The follow-up did not arrive in time.") from None
    raise SayError("The edge closed the event stream before the follow-up came.")


async def _replies(response: aiohttp.ClientResponse) -> AsyncIterator[dict[str, Any]]:
    """Parse a Server-Sent Events stream into the JSON of each ``reply`` event."""
    event, data = "message", list[str]()
    async for raw in response.content:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if event == "reply" and data:
                yield json.loads("\n".join(data))
            event, data = "message", list[str]()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())

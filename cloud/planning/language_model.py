"""The language-model client: one call to an OpenAI-compatible chat-completions endpoint.

Off unless ``JARVIS_LLM_URL`` is set (the API base, e.g. ``https://host/v1``; ``JARVIS_LLM_MODEL``
and ``JARVIS_LLM_API_KEY`` go with it). The model may only call the tools the capabilities offer
(``cloud.capabilities``: each declares its tool and how a call becomes its action; the planner
that asks this client is ``cloud.capabilities.planners.LlmPlanner``). Times stay the rules' job:
the model passes the spoken phrase ("in 10 minutes") and ``time_phrases`` reads it. What this
client cannot read raises PlannerError; the planner then falls back to the rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec

from cloud.errors import PlannerError
from cloud.planning.planner import PlanContext
from jarvis.settings import Settings

DEFAULT_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True)
class LlmConfig:
    url: str
    """The chat-completions URL."""
    model: str
    api_key: str | None
    timeout_s: float = DEFAULT_TIMEOUT_S


def config_from(settings: Settings) -> LlmConfig | None:
    """The planner's endpoint, or None when no ``llm_url`` is set (the rules alone plan)."""
    base = (settings.llm_url or "").strip()
    if not base:
        return None
    url = base if base.endswith("/chat/completions") else base.rstrip("/") + "/chat/completions"
    return LlmConfig(url=url, model=settings.llm_model, api_key=settings.llm_api_key or None)


def tool_schema(name: str, description: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """One tool as chat-completions APIs take it: every property required, no others."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": dict(properties),
                "required": sorted(properties),
                "additionalProperties": False,
            },
        },
    }


STRING = {"type": "string"}
"""The schema of a string argument (every argument today: times stay spoken phrases)."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model's first tool call."""

    name: str
    arguments: str
    """As the model wrote them (JSON), for the log and the error."""
    values: Mapping[str, str]
    """Its string arguments (any other kind is dropped)."""


ModelReply = str | ToolCall
"""What the model said: plain text (said as it is), or the tool it called."""


class _Function(msgspec.Struct):
    name: str
    arguments: str


class _ToolCall(msgspec.Struct):
    function: _Function


class _Message(msgspec.Struct):
    content: str | None = None
    tool_calls: list[_ToolCall] | None = None


class _Choice(msgspec.Struct):
    message: _Message


class _Completion(msgspec.Struct):
    choices: list[_Choice]


async def ask(
    session: aiohttp.ClientSession,
    config: LlmConfig,
    *,
    context: PlanContext,
    text: str,
    tools: Sequence[Mapping[str, Any]],
) -> ModelReply:
    """What the model makes of ``text``, offered ``tools``; PlannerError when it is unusable,
    aiohttp.ClientError or TimeoutError when the endpoint fails."""
    key = config.api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    payload = {
        "model": config.model,
        "messages": [
            {"role": "system", "content": _system_prompt(context)},
            {"role": "user", "content": text},
        ],
        "tools": list(tools),
        "tool_choice": "auto",
    }
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    async with session.post(config.url, json=payload, headers=headers, timeout=timeout) as response:
        if response.status != 200:
            raise PlannerError(f"the model endpoint answered HTTP {response.status}")
        raw = await response.read()
    try:
        completion = msgspec.json.decode(raw, type=_Completion)
    except msgspec.DecodeError as error:
        raise PlannerError(f"unreadable completion: {error}") from None
    if not completion.choices:
        raise PlannerError("the completion has no choices")
    return read_reply(completion.choices[0].message)


def _system_prompt(context: PlanContext) -> str:
    devices = ", ".join(context.device_names) or "none"
    return (
        "You are Jarvis, a voice assistant. Pick exactly one tool. "
        f"The user's local time is {context.now.isoformat(timespec='minutes')}. "
        f"The user's devices: {devices}. Answer briefly; if you cannot do something, say so."
    )


def read_reply(message: _Message) -> ModelReply:
    """The model's plain text, or its first tool call with its string arguments."""
    if not message.tool_calls:
        if message.content:
            return message.content.strip()
        raise PlannerError("the model neither answered nor called a tool")
    call = message.tool_calls[0].function
    try:
        arguments = json.loads(call.arguments)
    except json.JSONDecodeError:
        raise PlannerError(f"{call.name}: arguments are not JSON") from None
    if not isinstance(arguments, dict):
        raise PlannerError(f"{call.name}: arguments are not an object")
    values = {key: value for key, value in arguments.items() if isinstance(value, str)}
    return ToolCall(name=call.name, arguments=call.arguments, values=values)

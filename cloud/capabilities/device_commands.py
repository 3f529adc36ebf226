"""Commands for another device: "on the kitchen pi set a timer for 5 minutes", "ask the office
laptop what time it is".

The command goes to the target's outbox in the request's transaction, for its own interpreter;
its answer (``command_result``) comes back as the asker's reply (``complete_command``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import asyncpg

from cloud.capabilities.capability import Asked, Capability, Handles, Request, Tool, View
from cloud.planning.language_model import STRING
from cloud.planning.planner import PlanContext
from cloud.store import commands, device_state, outbox
from models import Reply, messages, new_id
from models.messages import CommandBody, ReplyTo
from models.wording import unknown_device_text


@dataclass(frozen=True, slots=True)
class RunOnDevice:
    device_name: str
    """As the user said it; resolved against enrolled devices when carried out."""
    text: str
    """The command for that device's own interpreter ("set a timer for 5 minutes")."""


_ON_DEVICE = re.compile(r"(?:on|ask|tell)\s+(?:the\s+|my\s+)?(?P<rest>.+)")
_DEVICE_NOUNS = {
    "pi", "laptop", "desktop", "computer", "pc", "mac", "macbook", "phone", "tablet",
    "speaker", "server", "tv", "box", "display",
}  # fmt: skip
_INDIRECT = re.compile(
    r"(?P<wh>(?:what|how|where|when|who|which)(?:\s+\w+)?)\s+(?P<subject>.+?)\s+(?P<verb>is|are)"
)


def read(asked: Asked) -> RunOnDevice | None:
    return plan_device_command(asked.text, asked.context.device_names)


def plan_device_command(text: str, device_names: Sequence[str]) -> RunOnDevice | None:
    """ "on the kitchen pi set a timer…", "ask the office laptop what time it is"."""
    match = _ON_DEVICE.fullmatch(text)
    if match is None:
        return None
    rest = match.group("rest")
    words = rest.split()
    name = _known_device(words, device_names) or _likely_device(words)
    if name is None:
        return None
    command = " ".join(words[len(name.split()) :]).lstrip(",: ").strip()
    command = re.sub(r"^(?:to|and)\s+", "", command)
    if not command:
        return None
    if text.startswith("ask"):
        command = _direct_question(command)
    return RunOnDevice(device_name=name, text=command)


def _known_device(words: list[str], device_names: Sequence[str]) -> str | None:
    spoken = [word.strip(",:").lower() for word in words]
    best = None
    for name in device_names:
        parts = name.lower().split()
        if spoken[: len(parts)] == parts and (best is None or len(parts) > len(best.split())):
            best = name
    return " ".join(words[: len(best.split())]).rstrip(",:") if best else None


def _likely_device(words: list[str]) -> str | None:
    """A name that is not enrolled but sounds like a device ("garage pi"), to say so honestly."""
    for index, word in enumerate(words[:4]):
        if word.strip(",:") in _DEVICE_NOUNS:
            return " ".join(words[: index + 1]).rstrip(",:")
    return None


def _direct_question(text: str) -> str:
    """ "what time it is" → "what time is it": the device's interpreter expects a question."""
    match = _INDIRECT.fullmatch(text)
    if match is None:
        return text
    return f"{match.group('wh')} {match.group('verb')} {match.group('subject')}"


def _from_tool(values: Mapping[str, str], context: PlanContext) -> RunOnDevice | None:
    device, command = values.get("device"), values.get("command")
    return RunOnDevice(device_name=device, text=command) if device and command else None


async def _carry_out(request: Request, action: RunOnDevice) -> str | None:
    """Queue the command for the target; None when the result itself will be the reply."""
    conn, device_id, utterance = request.conn, request.device_id, request.utterance
    target = await device_state.command_target(conn, action.device_name, asker=device_id)
    if target is None:
        names = await device_state.valid_names(conn)
        return unknown_device_text(action.device_name, names)
    request_id = new_id()
    await commands.insert(
        conn,
        request_id=request_id,
        target_device_id=target.id,
        text=action.text,
        asker=commands.Asker(device_id, utterance.id, request.trace_id),
    )
    body = CommandBody(request_id, action.text, ReplyTo(device_id, utterance.id))
    await outbox.enqueue(conn, target.id, messages.envelope(body, trace_id=request.trace_id))
    if target.online:
        return None
    return (
        f"The {target.name} is offline right now. I'll send it “{action.text}” when it is "
        "back and tell you what it says."
    )


async def complete_command(
    conn: asyncpg.Connection, *, device_id: str, request_id: str, text: str, trace_id: str
) -> bool:
    """Store a command's result and queue it as the asker's reply; False if not ours or done."""
    asker = await commands.complete(
        conn, request_id=request_id, device_id=device_id, result_text=text
    )
    if asker is None:
        return False
    reply = Reply(text=text, utterance_id=asker.utterance_id, kind="reply")
    await outbox.enqueue_reply(conn, asker.device_id, reply, trace_id=asker.trace_id)
    return True


def _describe(action: RunOnDevice) -> View:
    return View("run_on_device", {"device": action.device_name, "text": action.text})


CAPABILITY = Capability(
    name="device_commands",
    handles=(Handles(RunOnDevice, carry_out=_carry_out, describe=_describe),),
    rule=read,
    tools=(
        Tool(
            "run_on_device",
            "Run a spoken command on another of the user's devices, by its name.",
            {"device": STRING, "command": STRING},
            _from_tool,
        ),
    ),
)

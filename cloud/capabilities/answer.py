"""Answer: say a text and do nothing else (the language model's plain answers, "what can you
do", and the honest "can't" the planners end with).

The request path answers it without a transaction of its own (``cloud.requests.hot_path``); a
carry_out here is for the rest (the dispatch records and queues the text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cloud.capabilities.capability import Capability, Handles, Request, Tool, View
from cloud.planning.language_model import STRING
from cloud.planning.planner import PlanContext


@dataclass(frozen=True, slots=True)
class Answer:
    """Say ``text`` and do nothing else."""

    text: str
    unknown: bool = False
    """True when ``text`` says the cloud cannot do what was asked (the second chance may
    find it is one of the device's own intents after all)."""


def _from_tool(values: Mapping[str, str], context: PlanContext) -> Answer | None:
    text = values.get("text")
    return Answer(text) if text else None


async def _carry_out(request: Request, action: Answer) -> str:
    return action.text


def _describe(action: Answer) -> View:
    return View("unknown" if action.unknown else "answer", reply=action.text)


CAPABILITY = Capability(
    name="answer",
    handles=(Handles(Answer, carry_out=_carry_out, describe=_describe),),
    tools=(
        Tool(
            "answer",
            "Say something to the user. Never invent facts you do not know.",
            {"text": STRING},
            _from_tool,
        ),
    ),
)

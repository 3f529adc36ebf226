"""The capability table: the one seam the planners, the language model, the dispatch and the
plan view derive from."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import jsonschema_rs
import pytest
from cloud_helpers import CloudFactory

from cloud.capabilities import carry_out as dispatch
from cloud.capabilities.capability import (
    Asked,
    Capability,
    Handles,
    Registry,
    Request,
    Tool,
    View,
)
from cloud.capabilities.plan_view import describe
from cloud.capabilities.planners import RulePlanner, to_action
from cloud.capabilities.registry import CAPABILITIES, REGISTRY
from cloud.errors import PlannerError
from cloud.planning.language_model import ToolCall
from cloud.planning.planner import PlanContext
from models import Utterance

CONTEXT = PlanContext(datetime(2026, 3, 10, 14, 5, tzinfo=UTC), ["kitchen pi"])
CONTRACT_ACTIONS = {
    "answer", "set_reminder", "run_on_device", "device_intent", "start_mission", "run_script",
    "cancel_mission", "weather", "unknown",
}  # fmt: skip
"""DESIGN's ``jarvis cloud plan`` actions; capabilities may add their own."""
ADDED_ACTIONS = {capability.name for capability in CAPABILITIES}
"""A capability that adds an action kind names it after itself."""

TOOLS = [(capability, tool) for capability in CAPABILITIES for tool in capability.tools]


@pytest.mark.parametrize(("capability", "tool"), TOOLS, ids=[tool.name for _, tool in TOOLS])
def test_every_tool_schema_is_json_schema_and_round_trips(
    capability: Capability, tool: Tool
) -> None:
    """Each tool's parameters are a valid JSON schema; a call that fits it becomes an action
    of the tool's own capability."""
    schema = tool.schema
    assert schema["type"] == "function"
    assert schema["function"]["name"] == tool.name
    parameters = schema["function"]["parameters"]
    jsonschema_rs.meta.validate(parameters)
    # A time phrase fits every argument: the text of an answer, a command, a reminder's time.
    arguments = dict.fromkeys(tool.properties, "in 10 minutes")
    assert jsonschema_rs.validator_for(parameters).is_valid(arguments)
    assert not jsonschema_rs.validator_for(parameters).is_valid({**arguments, "extra": "x"})
    call = ToolCall(name=tool.name, arguments=json.dumps(arguments), values=arguments)
    action = to_action(call, CONTEXT)
    assert type(action) in {handles.type for handles in capability.handles}


def test_the_tools_offered_are_the_table_in_order() -> None:
    """The model is offered each capability's tools, in the table's order (today's three
    keep theirs)."""
    names = [schema["function"]["name"] for schema in REGISTRY.tool_schemas]
    assert names == [tool.name for capability in CAPABILITIES for tool in capability.tools]
    first = ["set_reminder", "run_on_device", "answer"]
    assert [name for name in names if name in first] == first


def test_an_unusable_tool_call_is_refused() -> None:
    """A tool nobody offers, or a call missing what its action needs, is a PlannerError."""
    with pytest.raises(PlannerError, match="unusable tool call"):
        to_action(ToolCall("send_email", "{}", {}), CONTEXT)
    with pytest.raises(PlannerError, match="unusable tool call"):
        to_action(ToolCall("run_on_device", '{"device": "pi"}', {"device": "pi"}), CONTEXT)


def test_every_action_type_has_exactly_one_carry_out() -> None:
    """Each action type is carried out by exactly one capability; an action no capability
    registered is refused by the dispatch, not guessed at."""
    types = [handles.type for capability in CAPABILITIES for handles in capability.handles]
    assert len(types) == len(set(types))
    assert set(REGISTRY.action_types) == set(types)
    with pytest.raises(LookupError, match="no capability carries out Flip"):
        REGISTRY.handles(Flip("heads"))


async def test_plan_view_names_are_the_contract() -> None:
    """What ``jarvis cloud plan`` prints for each capability's actions is a contract name."""
    samples = [
        "help",
        "remind me in 10 minutes to stretch",
        "open example.com and read me the title",
        "run my backup script",
        "cancel my backup script",
        "yes",
        "on the kitchen pi pause the music",
        "what's the weather",
        "order me a pizza",
    ]
    for text in samples:
        action = await RulePlanner().plan(Utterance(id="u", text=text, trace_id="t"), CONTEXT)
        assert describe(action)["action"] in CONTRACT_ACTIONS | ADDED_ACTIONS, text


def test_a_registry_refuses_two_carry_outs_for_one_action_type() -> None:
    """Two capabilities handling one type, or offering one tool name, is refused at once."""
    twice = Capability("again", handles=CAPABILITIES[-1].handles)
    with pytest.raises(ValueError, match="carried out twice"):
        Registry((*CAPABILITIES, twice))
    tool_again = Capability("tool again", handles=(), tools=CAPABILITIES[-1].tools)
    with pytest.raises(ValueError, match="offered twice"):
        Registry((*CAPABILITIES, tool_again))


@dataclass(frozen=True, slots=True)
class Flip:
    """A capability made up for this test: flip a coin (it is not in the table)."""

    side: str


def _read_flip(asked: Asked) -> Flip | None:
    return Flip("heads") if asked.text in {"flip a coin", "help"} else None


async def _flip(request: Request, action: Flip) -> str:
    return f"It's {action.side}."


def _flip_tool(values: Mapping[str, str], context: PlanContext) -> Flip:
    return Flip("tails")


FLIP = Capability(
    "flip",
    handles=(Handles(Flip, carry_out=_flip, describe=lambda action: View("flip")),),
    rule=_read_flip,
    tools=(Tool("flip_coin", "Flip a coin.", {}, _flip_tool),),
)


async def test_rules_are_tried_in_table_order() -> None:
    """A rule ahead in the table wins over the rules behind it: ``help`` is the overview's
    before the coin's, and the coin's before them when put first."""
    behind = RulePlanner(registry=Registry((*CAPABILITIES, FLIP)))
    ahead = RulePlanner(registry=Registry((FLIP, *CAPABILITIES)))
    help_ = Utterance(id="u", text="help", trace_id="t")
    assert not isinstance(await behind.plan(help_, CONTEXT), Flip)
    assert await ahead.plan(help_, CONTEXT) == Flip("heads")
    flip = Utterance(id="u", text="Flip a coin!", trace_id="t")
    assert await behind.plan(flip, CONTEXT) == Flip("heads")


async def test_a_new_capability_reaches_the_model_and_the_dispatch(clouds: CloudFactory) -> None:
    """A capability in a table is offered to the model, and its action is carried out in the
    request's transaction: its text is queued as the reply, with the trace event."""
    registry = Registry((*CAPABILITIES, FLIP))
    assert registry.tool_schemas[-1]["function"]["name"] == "flip_coin"
    action = to_action(ToolCall("flip_coin", "{}", {}), CONTEXT, registry)
    assert action == Flip("tails")
    device_id, _ = await clouds.enroll("kitchen pi")
    utterance = Utterance(id="u1", text="flip a coin", trace_id="t1")
    async with clouds.pool.acquire() as conn, conn.transaction():
        await dispatch.carry_out(
            conn, action, device_id=device_id, utterance=utterance, trace_id="t1",
            registry=registry,
        )  # fmt: skip
    body = await clouds.pool.fetchval(
        "SELECT envelope -> 'body' FROM outbox WHERE device_id = $1", device_id
    )
    assert body["text"] == "It's tails."
    kinds = await clouds.pool.fetch("SELECT kind FROM trace_events WHERE trace_id = 't1'")
    assert "planned.Flip" in {row["kind"] for row in kinds}


async def test_rules_that_read_the_words_as_said_keep_number_words() -> None:
    """The weather rule reads the words as said, as the edge does, by both planners: a place
    with a number word keeps it ("Nine Mile Falls", not "9 mile falls")."""
    utterance = Utterance(id="u", text="What is the weather in Nine Mile Falls?", trace_id="t")
    action = await RulePlanner().plan(utterance, CONTEXT)
    assert describe(action)["slots"] == {"place": "nine mile falls"}

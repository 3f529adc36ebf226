"""The planner port: a planner turns an utterance into one Action, and only decides.

What the actions are, how words or a language model's tool call become one, and how each is
carried out (in the request's transaction) is the capabilities' business: one module per
capability under ``cloud.capabilities``, registered in one table. Planning knows none of them;
the capabilities import this port, never the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models import Utterance


class Action(Protocol):
    """One capability's decision: a frozen dataclass saying what to do (``cloud.capabilities``
    registers which types exist and who carries each out)."""


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What a planner may know about the world when it decides."""

    now: datetime
    """Aware, in the asking device's time zone."""
    device_names: Sequence[str]
    """Names of the enrolled devices."""


class Planner(Protocol):
    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        """The one action that answers ``utterance``."""
        ...

"""The cloud's capabilities, in one table: adding one is one new module and one line here.

Order matters: the rule planner tries the rules in this order (the first that reads the words
wins), and the language model is offered the tools in this order. Each module builds one
``Capability`` (``cloud.capabilities.capability``: action types, rule, tools, carry_out).

Imports run one way: capability modules import the planning port and helpers
(``cloud.planning``: ``PlanContext``, time phrases, the language-model client) and the domains
below (``cloud.missions``, ``cloud.weather``, ``cloud.store``); planning never imports a
capability. The planners (``cloud.capabilities.planners``), the dispatch
(``cloud.capabilities.carry_out``) and the plan view (``cloud.capabilities.plan_view``) read
this table; the wiring (``cloud.app``, the request path) imports those.
"""

from __future__ import annotations

from cloud.capabilities import (
    answer,
    device_commands,
    list_reminders,
    missions,
    overview,
    set_reminder,
    weather,
)
from cloud.capabilities.capability import Capability, Registry

CAPABILITIES: tuple[Capability, ...] = (
    overview.CAPABILITY,
    set_reminder.CAPABILITY,
    list_reminders.CAPABILITY,
    missions.CAPABILITY,
    device_commands.CAPABILITY,
    weather.CAPABILITY,
    answer.CAPABILITY,
)

REGISTRY = Registry(CAPABILITIES)

"""Fixtures shared by the unit tests: the real packaged learned tier, loaded once per session."""

from __future__ import annotations

import pytest

from assistant.skills import Skills
from assistant.understander import APP_INTENTS, Understander, load_model
from understanding import IntentModel

HANDLED = Skills.HANDLED | APP_INTENTS
"""What this branch's edge handles: its skills' intents and the conversation's own."""


@pytest.fixture(scope="session")
def model() -> IntentModel:
    return load_model()


@pytest.fixture(scope="session")
def understander(model: IntentModel) -> Understander:
    return Understander(HANDLED, model)

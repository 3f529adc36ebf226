"""The time and the date, in the timezone the app resolved (tzlocal) at start-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from assistant import replies
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names


class ClockSkill:
    def __init__(self, timezone: tzinfo, clock: Callable[[], float]) -> None:
        self.timezone = timezone
        self._clock = clock  # epoch seconds; tests pass a fixed one

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), tz=self.timezone)

    def time_now(self) -> str:
        return replies.time_now(self._now())

    def date_today(self) -> str:
        return replies.date_today(self._now())


INTENTS: tuple[IntentSpec[ClockSkill], ...] = (
    spec(names.TIME_NOW, lambda skill, _: skill.time_now()),
    spec(names.DATE_TODAY, lambda skill, _: skill.date_today()),
)

"""``date.countdown``: days until a holiday (from the ``holidays`` calendars), a birthday or a date.

Holidays come from the device's country calendar, then the United States' public and unofficial
days (Halloween, Mother's Day, Easter Sunday…) for names the first does not list. Building a
calendar takes a moment, so it happens in a worker thread and is kept per country and year.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import date, datetime, tzinfo
from functools import cache

from assistant import occasions
from assistant import replies_everyday as say
from assistant.skills import _slots
from assistant.skills.intent_spec import IntentSpec, spec
from models import intent_names as names

FALLBACK_COUNTRY = "US"


@cache
def _calendar(country: str, year: int) -> tuple[tuple[date, str], ...]:
    """``(day, lowercase name)`` for every holiday of ``country`` in ``year``, observed days
    left out."""
    import holidays

    calendar = holidays.country_holidays(country, years=year)
    wanted = tuple(c for c in ("public", "unofficial") if c in calendar.supported_categories)
    calendar = holidays.country_holidays(country, years=year, categories=wanted)
    return tuple(
        (day, name.strip().lower())
        for day, names in sorted(calendar.items())
        for name in names.split(";")
        if "observed" not in name
    )


def holiday_on_or_after(event: str, today: date, country: str) -> tuple[date, str] | None:
    """The next day (today included) ``event`` falls on, and its name as the calendar spells
    it; blocking (use a thread)."""
    prefix = occasions.calendar_name(event)
    if prefix is None:
        return None
    for source in dict.fromkeys((country.upper(), FALLBACK_COUNTRY)):
        for year in (today.year, today.year + 1):
            try:
                days = _calendar(source, year)
            except NotImplementedError:  # a country the package does not know
                break
            for day, name in days:
                if day >= today and name.startswith(prefix):
                    return day, name
    return None


def _next_month_day(iso: str, today: date) -> date | None:
    """``--06-03`` → the next June 3 (today included); ``2027-06-03`` → that day."""
    try:
        if iso.startswith("--"):
            month, day = int(iso[2:4]), int(iso[5:7])
            for year in range(today.year, today.year + 8):  # February 29 waits for a leap year
                try:
                    candidate = date(year, month, day)
                except ValueError:
                    continue
                if candidate >= today:
                    return candidate
            return None
        return date.fromisoformat(iso)
    except ValueError:
        return None


class CountdownSkill:
    def __init__(self, timezone: tzinfo, clock: Callable[[], float], country: str = "US") -> None:
        self.timezone = timezone
        self._clock = clock
        self._country = country

    async def countdown(self, slots: Mapping[str, object]) -> str:
        today = datetime.fromtimestamp(self._clock(), tz=self.timezone).date()
        event, said_date = _slots.text(slots, "event"), _slots.text(slots, "date")
        if said_date is not None:
            day = _next_month_day(said_date, today)
            if day is None:
                return say.countdown_bad_date()
            return say.countdown(event, day, today)
        if event is None:
            return say.countdown_what()
        found = await asyncio.to_thread(holiday_on_or_after, event.lower(), today, self._country)
        if found is None:
            return say.countdown_unknown(event)
        day, name = found
        return say.countdown(name, day, today)


INTENTS: tuple[IntentSpec[CountdownSkill], ...] = (
    spec(
        names.DATE_COUNTDOWN, lambda skill, asked: skill.countdown(asked.slots), ("event", "date")
    ),
)

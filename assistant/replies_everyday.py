"""Every sentence of the everyday skills (alarms, world clock, countdowns, conversions, small
talk), in one place like ``assistant.replies``, so they can be translated later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from assistant.replies import number, plural, sentence
from assistant.units import Unit
from models.wording import join_words

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
_REPEATS = {"daily": "every day", "weekdays": "every weekday", "weekends": "every weekend"}


# --- building blocks -------------------------------------------------------------------------


def clock(moment: datetime) -> str:
    """``7:05 AM``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def long_date(day: date) -> str:
    """``Monday, June 3``."""
    return f"{_WEEKDAYS[day.weekday()]}, {_MONTHS[day.month - 1]} {day.day}"


def day_phrase(day: date, today: date) -> str:
    """``today``, ``tomorrow``, ``on Monday`` within the week, else ``on Monday, June 3``."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if 1 < days < 7:
        return f"on {_WEEKDAYS[day.weekday()]}"
    return f"on {long_date(day)}"


def repeat_phrase(repeat: str) -> str:
    """``every weekday``, ``every Monday and Friday``."""
    if repeat in _REPEATS:
        return _REPEATS[repeat]
    return "every " + join_words([name.capitalize() for name in repeat.split(",")])


# --- alarms ----------------------------------------------------------------------------------


def _alarm_name(label: str | None) -> str:
    return f"{label} alarm" if label else "alarm"


def alarm_set(label: str | None, ring: datetime, now: datetime, repeat: str | None) -> str:
    when = f"{clock(ring)} {day_phrase(ring.date(), now.date())}"
    if repeat is None:
        return sentence(f"{_alarm_name(label)} set for {when}.")
    first = day_phrase(ring.date(), now.date())
    return sentence(
        f"{_alarm_name(label)} set for {clock(ring)} {repeat_phrase(repeat)}; the first rings "
        f"{first}."
    )


def alarm_need_time() -> str:
    return "What time should the alarm be for?"


def alarm_day_passed(day: str) -> str:
    return f"That time on {day} has already passed."


def alarm_exists(ring: datetime, now: datetime) -> str:
    return f"You already have an alarm for {clock(ring)} {day_phrase(ring.date(), now.date())}."


def no_alarms() -> str:
    return "You don't have any alarms."


def no_alarm_at(time_said: datetime) -> str:
    return f"You don't have an alarm for {clock(time_said)}."


def alarm_entry(label: str | None, ring: datetime, now: datetime, repeat: str | None) -> str:
    """One alarm in a list: ``gym at 6:45 AM every weekday, next tomorrow``."""
    name = f"{label} at " if label else ""
    when = day_phrase(ring.date(), now.date())
    if repeat is None:
        return f"{name}{clock(ring)} {when}"
    return f"{name}{clock(ring)} {repeat_phrase(repeat)}, next {when.removeprefix('on ')}"


def alarms(entries: Sequence[str]) -> str:
    if len(entries) == 1:
        return f"You have one alarm: {entries[0]}."
    return f"You have {len(entries)} alarms: {'; '.join(entries)}."


def which_alarm(entries: Sequence[str]) -> str:
    return f"You have {len(entries)} alarms: {'; '.join(entries)}. Which one?"


def alarm_cancelled(entry: str) -> str:
    return f"I cancelled your alarm: {entry}."


def alarms_cancelled(count: int) -> str:
    return f"I cancelled all {count} alarms." if count > 1 else "I cancelled your alarm."


def alarm_ringing(label: str | None, now: datetime) -> str:
    if label:
        return f"{sentence(label)} alarm. It's {clock(now)}."
    return f"Wake up. It's {clock(now)}."


def alarm_stopped(next_ring: datetime | None, now: datetime) -> str:
    if next_ring is None:
        return "Alarm off."
    when = day_phrase(next_ring.date(), now.date())
    return f"Alarm off. It rings again {when} at {clock(next_ring)}."


def alarm_snoozed(minutes: int, until: datetime) -> str:
    return f"Snoozed for {plural(minutes, 'minute')}, until {clock(until)}."


def nothing_ringing() -> str:
    return "No alarm is ringing."


def alarm_missed(label: str | None, due: datetime, now: datetime) -> str:
    when = day_phrase(due.date(), now.date())
    return f"Your {_alarm_name(label)} for {clock(due)} {when} went off while I was off."


# --- the time elsewhere ----------------------------------------------------------------------


def time_in(place: str, there: datetime, here: datetime) -> str:
    """``In Tokyo it's 9:05 PM.``, naming the day when it is not the same as here."""
    if there.date() == here.date():
        return f"In {place} it's {clock(there)}."
    relative = "tomorrow" if there.date() > here.date() else "yesterday"
    return f"In {place} it's {clock(there)} {relative}, {_WEEKDAYS[there.weekday()]}."


def which_place() -> str:
    return "Which place?"


def unknown_place(place: str) -> str:
    return f"I don't know where {place} is."


# --- countdowns ------------------------------------------------------------------------------


def _calendar_day(day: date, today: date) -> str:
    text = long_date(day)
    return text if day.year == today.year else f"{text}, {day.year}"


def countdown(event: str | None, day: date, today: date) -> str:
    """``Christmas Day is in 23 days, on Friday, December 25.``; ``event`` is a holiday's
    name (any case), ``birthday``/``anniversary`` (yours), or ``None`` for a plain date."""
    if event in ("birthday", "anniversary", "wedding anniversary"):
        subject = f"Your {event}"
    elif event:
        subject = " ".join(word[:1].upper() + word[1:] for word in event.split())
    else:
        subject = f"{_MONTHS[day.month - 1]} {day.day}" + (
            f", {day.year}" if day.year != today.year else ""
        )
    days = (day - today).days
    on = _calendar_day(day, today)
    if days < 0:
        return f"{subject} was {plural(-days, 'day')} ago, on {on}."
    if days == 0:
        return f"{subject} is today."
    if days == 1:
        return f"{subject} is tomorrow, {on}."
    if event is None:
        return f"{subject} is in {plural(days, 'day')}, a {_WEEKDAYS[day.weekday()]}."
    return f"{subject} is in {plural(days, 'day')}, on {on}."


def countdown_what() -> str:
    return "Counting down to what?"


def countdown_bad_date() -> str:
    return "I couldn't tell which day that is."


def countdown_unknown(event: str) -> str:
    return f"I don't know when {event} is."


# --- unit conversions ------------------------------------------------------------------------


def amount(value: float) -> str:
    """A measured value for speech: integers as they are, else about three significant
    digits ("8.05", "21.1", "0.236"), one decimal from 100, none from 1,000."""
    if float(value).is_integer() or abs(value) >= 1000:
        return number(round(value))
    if abs(value) >= 100:
        return number(round(value, 1))
    text = f"{value:.3g}"
    return number(float(value)) if "e" in text else text


def _plural_word(word: str) -> str:
    if word == "foot":
        return "feet"
    return word + ("es" if word.endswith(("ch", "sh", "s", "x")) else "s")


def _unit_words(name: str, kind: str, value: float) -> str:
    """``mile``/``miles``, ``fluid ounces``, ``miles per hour``, ``degrees Fahrenheit``."""
    if kind == "temperature":
        if name == "kelvin":
            return name if abs(value) == 1 else "kelvins"
        return f"{'degree' if abs(value) == 1 else 'degrees'} {name.capitalize()}"
    if abs(value) == 1:
        return name
    if " per " in name:
        first, rest = name.split(" per ", 1)
        return f"{_plural_word(first)} per {rest}"
    *head, last = name.split()
    return " ".join([*head, _plural_word(last)])


def converted(value: float, source: Unit, result: float, target: Unit) -> str:
    """``5 miles is 8.05 kilometers.``"""
    said = f"{amount(value)} {_unit_words(source.name, source.kind, value)}"
    return sentence(f"{said} is {amount(result)} {_unit_words(target.name, target.kind, result)}.")


def conversion_need_units() -> str:
    return "What should I convert, and into what?"


def cannot_convert(source: str, target: str) -> str:
    return f"I can't convert {source}s into {target}s."


# --- small things ----------------------------------------------------------------------------


def coin(side: str) -> str:
    return f"It's {side}."


def dice(rolls: Sequence[int]) -> str:
    if len(rolls) == 1:
        return f"You rolled {'an' if rolls[0] in (8, 11, 18) else 'a'} {rolls[0]}."
    return f"You rolled {join_words([str(r) for r in rolls])}: {sum(rolls)} in all."


def dice_too_many(max_dice: int, max_sides: int) -> str:
    return f"I can roll up to {max_dice} dice of up to {max_sides} sides."


def random_number(picked: int, low: int, high: int) -> str:
    if low == high:
        return f"It can only be {number(picked)}."
    return f"I picked {number(picked)}, from {number(low)} to {number(high)}."


def spelled(word: str) -> str:
    letters = ", ".join(letter.upper() for letter in word if letter.isalpha())
    return f"{sentence(word.lower())} is spelled {letters}."


def spell_what() -> str:
    return "Which word should I spell?"


def greeting(hour: int) -> str:
    """Greets by the time of day here, whatever the greeting said."""
    if 5 <= hour < 12:
        return "Good morning. What can I do for you?"
    if 12 <= hour < 18:
        return "Good afternoon. What can I do for you?"
    return "Good evening. What can I do for you?"


def thanks() -> str:
    return "You're welcome."


def goodbye(hour: int) -> str:
    return "Good night." if hour >= 20 or hour < 5 else "Goodbye."


def about() -> str:
    return (
        "I'm Jarvis, a voice assistant: software, not a person, made by the people behind the "
        "open-source Jarvis project. I run on your own devices."
    )


# --- tips ------------------------------------------------------------------------------------


def _money(value: float) -> str:
    return number(value) if float(value).is_integer() else f"{value:,.2f}"


def _article(spoken_number: str) -> str:
    """``An`` before numbers said with a vowel sound (8, 11, 18, the eighties, 800), else ``A``."""
    head = spoken_number.split(".")[0].replace(",", "")
    vowel = head.startswith("8") or head in ("11", "18")
    return "An" if vowel else "A"


def tip(percent: str, bill: str, tip_amount: float, total: float) -> str:
    """``An 18 percent tip on 45 is 8.10; 53.10 in all.``"""
    return (
        f"{_article(percent)} {percent} percent tip on {bill} is {_money(tip_amount)}; "
        f"{_money(total)} in all."
    )

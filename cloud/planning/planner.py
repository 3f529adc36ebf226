"""The planner port and the built-in rule planner (no language model).

A planner only decides: it turns an utterance into one Action. Carrying the action out (storing a
reminder, queueing a command, queueing the reply) is ``cloud.capabilities.carry_out``' job, in one
transaction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cloud.missions.plans import (
    DEFAULT_PRIVACY_DISTANCE_KM,
    AnswerConfirmation,
    CancelMission,
    RunScript,
    StartMission,
    plan_mission,
)
from cloud.planning import cant
from cloud.planning.as_said import head_as_said, tail_as_said
from cloud.time_phrases import WHEN, normalize, parse_when
from cloud.weather.plans import Weather, plan_weather
from models import Utterance


@dataclass(frozen=True, slots=True)
class Answer:
    """Say ``text`` and do nothing else."""

    text: str
    unknown: bool = False
    """True when ``text`` says the cloud cannot do what was asked (the second chance may
    find it is one of the device's own intents after all)."""


@dataclass(frozen=True, slots=True)
class SetReminder:
    text: str
    """What to remind of, from the listener's side: "call your sister" (a verb phrase), or
    "that the oven is on" / "about the meeting" (kept with its connector)."""
    due_at: datetime


@dataclass(frozen=True, slots=True)
class RunOnDevice:
    device_name: str
    """As the user said it; skills resolve it against enrolled devices."""
    text: str
    """The command for that device's own interpreter ("set a timer for 5 minutes")."""


Action = (
    Answer
    | SetReminder
    | RunOnDevice
    | StartMission
    | RunScript
    | AnswerConfirmation
    | CancelMission
    | Weather
)


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


HELP_TEXT = cant.HELP_TEXT
NO_TIME_TEXT = (
    "When should I remind you? Say it with a time, like “remind me in 10 minutes to stretch”."
)
NO_TASK_TEXT = (
    "What should I remind you of? Say it all at once, like “remind me in 10 minutes to stretch”."
)

_HELP = re.compile(r"(?:help|what can you do|what do you do|what are you able to do)(?: for me)?")
_REMIND = re.compile(r"(?:please\s+)?remind me\s+(?P<rest>.+)")
_REMIND_SAID = re.compile(r"(?:\W*\w+\W+){0,3}?remind\s+me\W+(?:to\s+)?", re.IGNORECASE)
"""Up to the reminder's words in the request as said ("Jarvis, please remind me to ")."""
_WHEN_ONLY = re.compile(WHEN)
_WHEN_FIRST = re.compile(rf"(?P<when>{WHEN}),?\s+(?:to\s+)?(?P<what>.+)")
_WHEN_LAST = re.compile(rf"(?:to\s+)?(?P<what>.+?),?\s+(?P<when>{WHEN})")
_ON_DEVICE = re.compile(r"(?:on|ask|tell)\s+(?:the\s+|my\s+)?(?P<rest>.+)")
_DEVICE_NOUNS = {
    "pi", "laptop", "desktop", "computer", "pc", "mac", "macbook", "phone", "tablet",
    "speaker", "server", "tv", "box", "display",
}  # fmt: skip
_SWAPS = {"my": "your", "me": "you", "myself": "yourself", "mine": "yours", "i": "you"}
_INDIRECT = re.compile(
    r"(?P<wh>(?:what|how|where|when|who|which)(?:\s+\w+)?)\s+(?P<subject>.+?)\s+(?P<verb>is|are)"
)


class RulePlanner:
    """Reminders, missions, commands for other devices, and an honest answer for the rest."""

    def __init__(self, *, privacy_distance_km: float = DEFAULT_PRIVACY_DISTANCE_KM) -> None:
        self.privacy_distance_km = privacy_distance_km
        """Privacy actions on a device farther than this from the asker need a spoken yes."""

    async def plan(self, utterance: Utterance, context: PlanContext) -> Action:
        text = normalize(utterance.text)
        if _HELP.fullmatch(text):
            return Answer(HELP_TEXT)
        remind = _REMIND.fullmatch(text)
        if remind:
            return plan_reminder(remind.group("rest"), context.now, said=utterance.text)
        mission = plan_mission(
            utterance.text, context.device_names, privacy_distance_km=self.privacy_distance_km
        )
        if mission is not None:
            return mission
        command = plan_device_command(text, context.device_names)
        if command is not None:
            return command
        weather = plan_weather(text)
        if weather is not None:
            return weather
        # One short sentence and one related offer: the full list only for "what can you do".
        return Answer(cant.cant_reply(text), unknown=True)


def plan_reminder(rest: str, now: datetime, *, said: str | None = None) -> Action:
    """ "in 10 minutes to stretch" or "to stretch in 10 minutes" → a SetReminder.

    ``rest`` is normalized; ``said`` (the whole request as said) gives back the reminder's own
    words with their case and punctuation ("call Dr. O'Brien")."""
    if _WHEN_ONLY.fullmatch(rest):
        return Answer(NO_TASK_TEXT)
    for pattern in (_WHEN_FIRST, _WHEN_LAST):
        match = pattern.fullmatch(rest)
        if match is None:
            continue
        due_at = parse_when(match.group("when"), now)
        if due_at is not None:
            what = match.group("what")
            if said is not None:
                what = _what_as_said(what, said, when_first=pattern is _WHEN_FIRST)
            return SetReminder(text=for_listener(what), due_at=due_at)
    return Answer(NO_TIME_TEXT)


def _what_as_said(what: str, said: str, *, when_first: bool) -> str:
    if when_first:
        return tail_as_said(what, said, normalize)
    # "remind me to X at 9": X is the head of what follows "remind me (to)".
    after = _REMIND_SAID.match(said.strip())
    return head_as_said(what, said.strip()[after.end() :] if after else said, normalize)


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


def for_listener(text: str) -> str:
    """ "call my sister" → "call your sister": the reminder is said back to the person."""
    return " ".join(_SWAPS.get(word.lower(), word) for word in text.split())

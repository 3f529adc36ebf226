"""Every sentence the edge says, built in one place so it can be translated later.

Functions take plain values (seconds, percentages, names) and return one short English sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime

from models.wording import join_words

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
)  # fmt: skip
_CANNOT = {
    "volume": "I can't control the volume on this device.",
    "media": "I can't control media playback on this device.",
    "keyboard": "I can't type on this device.",
}
_FAILED = {
    "volume": "Sorry, I couldn't change the volume.",
    "media": "Sorry, I couldn't control media playback.",
    "keyboard": "Sorry, I couldn't type that.",
}
_MEDIA_DONE = {
    "pause": "Paused.",
    "resume": "Playing.",
    "next": "Next track.",
    "previous": "Previous track.",
}
_OPERATORS = {"*": "times", "×": "times", "/": "divided by", "÷": "divided by", "+": "plus",
              "-": "minus", "−": "minus", "^": "to the power of", "**": "to the power of",
              "%": "percent"}  # fmt: skip
# "%" only ever reaches a reply as "15 % of 80" (the calculator writes "mod" for a remainder).
_OPERATOR_PATTERN = re.compile(r"\*\*|[*×/÷+\-−^%]")


# --- building blocks -------------------------------------------------------------------------


def sentence(text: str) -> str:
    """Capitalises the first letter, leaving the rest as it is ("iPhone" stays "iPhone")."""
    return text[:1].upper() + text[1:]


def plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def duration(seconds: float) -> str:
    """Exact to the second: ``2 minutes and 15 seconds``, ``1 hour and 5 seconds``."""
    total = max(0, math.ceil(seconds - 0.001))  # 59.9996 s left is "1 minute", not "59 seconds"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [plural(n, u) for n, u in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return join_words(parts) if parts else "0 seconds"


def approximate_duration(seconds: float) -> str:
    """Rounded, for the past: ``40 seconds``, ``2 minutes``, ``3 hours and 5 minutes``."""
    if seconds < 60:
        return plural(max(1, round(seconds)), "second")
    if seconds < 3600:
        return plural(round(seconds / 60), "minute")
    return duration(round(seconds / 60) * 60)


def number(value: float) -> str:
    """Ints without ``.0``, floats to six significant digits, thousands separated by commas."""
    if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    text = f"{value:,.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} times 10 to the power of {int(exponent)}"
    return text


# --- timers ----------------------------------------------------------------------------------


def not_heard() -> str:
    """Said when recognizing what someone said to Jarvis failed (the log has the error)."""
    return "Sorry, I could not hear that: the speech recognizer failed. Please say it again."


def still_not_heard() -> str:
    """Said when the recognizer failed again, right after ``not_heard``."""
    return (
        "Sorry, the speech recognizer keeps failing, so I cannot hear you right now. "
        "Typed requests still work."
    )


def timer_label(name: str | None, duration_s: float | None = None) -> str:
    """What a timer is called in a sentence: ``pasta timer``, ``5 minute timer`` or ``timer``."""
    if name:
        return f"{name} timer"
    if duration_s and float(duration_s).is_integer():
        whole = int(duration_s)
        for unit, size in (("hour", 3600), ("minute", 60)):
            if whole % size == 0:
                return f"{whole // size} {unit} timer"
        if whole < 600:  # "90 second timer" still sounds natural; "725 second timer" does not
            return f"{whole} second timer"
    return "timer"


def timer_started(name: str | None, duration_s: float) -> str:
    return sentence(f"{name + ' timer' if name else 'timer'} set for {duration(duration_s)}.")


def timer_need_duration() -> str:
    return "How long should the timer be?"


def timer_too_long(max_s: float) -> str:
    return f"I can only set timers for up to {duration(max_s)}."


def timer_name_taken(name: str, remaining_s: float) -> str:
    return f"You already have a {name} timer with {duration(remaining_s)} left."


def timer_done(name: str | None, duration_s: float | None = None) -> str:
    return f"Your {timer_label(name, duration_s)} is done."


def timer_done_while_off(name: str | None, duration_s: float | None, late_s: float) -> str:
    label = timer_label(name, duration_s)
    return f"Your {label} finished {approximate_duration(late_s)} ago, while I was off."


def no_timers() -> str:
    return "You don't have any timers."


def no_such_timer(name: str) -> str:
    return f"You don't have a {name} timer."


def which_timer(labels: Sequence[str]) -> str:
    """``labels`` are names (``pasta``) or, for unnamed timers, durations (``5 minute``)."""
    return f"You have {len(labels)} timers: {join_words(labels)}. Which one?"


def timer_cancelled(label: str) -> str:
    return f"I cancelled your {label}."


def timers_cancelled(count: int) -> str:
    return f"I cancelled all {count} timers."


def timer_paused(label: str, remaining_s: float) -> str:
    return f"I paused your {label} with {duration(remaining_s)} left."


def timer_already_paused(label: str) -> str:
    return f"Your {label} is already paused."


def timer_resumed(label: str, remaining_s: float) -> str:
    return f"I resumed your {label}; {duration(remaining_s)} to go."


def timer_already_running(label: str) -> str:
    return f"Your {label} is already running."


def no_running_timers() -> str:
    return "None of your timers is running."


def no_paused_timers() -> str:
    return "None of your timers is paused."


def timer_status(label: str, remaining_s: float, paused: bool) -> str:
    if paused:
        return f"Your {label} is paused with {duration(remaining_s)} left."
    return f"Your {label} has {duration(remaining_s)} left."


def timers_status(timers: Sequence[tuple[str, float, bool]]) -> str:
    """``timers`` holds ``(short label, remaining seconds, paused)`` per timer."""
    parts = [
        f"{label} {'paused with' if paused else 'with'} {duration(left)} left"
        for label, left, paused in timers
    ]
    return f"You have {len(parts)} timers: {'; '.join(parts)}."


def timer_adjusted(label: str, delta_s: float, remaining_s: float) -> str:
    change = f"I added {duration(delta_s)}" if delta_s > 0 else f"I took {duration(-delta_s)} off"
    return f"{change}; your {label} has {duration(remaining_s)} left."


def timer_ends_now(label: str) -> str:
    return f"That takes all the time off your {label}, so it ends now."


def timer_need_delta() -> str:
    return "How much time should I add or take off?"


# --- notes and lists -------------------------------------------------------------------------


def note_added(text: str) -> str:
    return f"Noted: {text}."


def note_need_text() -> str:
    return "What should the note say?"


def notes(texts: Sequence[str]) -> str:
    if not texts:
        return "You have no notes."
    return f"You have {plural(len(texts), 'note')}: {'; '.join(texts)}."


def list_need_item() -> str:
    return "Which item?"


def list_added(item: str, list_name: str) -> str:
    return f"I added {item} to your {list_name} list."


def list_already_has(item: str, list_name: str) -> str:
    return sentence(f"{item} is already on your {list_name} list.")


def list_removed(item: str, list_name: str) -> str:
    return f"I removed {item} from your {list_name} list."


def list_missing(item: str, list_name: str) -> str:
    return sentence(f"{item} isn't on your {list_name} list.")


def list_contents(list_name: str, items: Sequence[str]) -> str:
    if not items:
        return f"Your {list_name} list is empty."
    return f"Your {list_name} list has {plural(len(items), 'item')}: {join_words(items)}."


# --- clock -----------------------------------------------------------------------------------


def time_now(now: datetime) -> str:
    hour = now.hour % 12 or 12
    return f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."


def date_today(today: datetime) -> str:
    weekday, month = _WEEKDAYS[today.weekday()], _MONTHS[today.month - 1]
    return f"Today is {weekday}, {month} {today.day}, {today.year}."


# --- system status ---------------------------------------------------------------------------


def _gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.1f} gigabytes"


def cpu(percent: float) -> str:
    return f"The CPU is at {round(percent)} percent."


def memory(percent: float, used_bytes: float, total_bytes: float) -> str:
    used, total = _gigabytes(used_bytes), _gigabytes(total_bytes)
    return f"Memory is {round(percent)} percent used: {used} of {total}."


def battery(percent: float, plugged: bool | None) -> str:
    state = {True: ", plugged in", False: ", on battery power", None: ""}[plugged]
    return f"The battery is at {round(percent)} percent{state}."


def no_battery() -> str:
    return "This device has no battery."


def disk(percent: float, free_bytes: float) -> str:
    return f"The disk is {round(percent)} percent full, with {_gigabytes(free_bytes)} free."


def system_summary(
    cpu_percent: float, memory_percent: float, disk_percent: float, battery_percent: float | None
) -> str:
    text = (
        f"CPU {round(cpu_percent)} percent, memory {round(memory_percent)} percent, "
        f"disk {round(disk_percent)} percent full"
    )
    if battery_percent is not None:
        text += f", battery {round(battery_percent)} percent"
    return text + "."


def unknown_aspect(aspect: str) -> str:
    return f"I can't check the {aspect} on this device."


# --- math ------------------------------------------------------------------------------------


def spoken_expression(expression: str) -> str:
    """``12*7`` → ``12 times 7``; words the interpreter already used stay as they are."""
    spoken = _OPERATOR_PATTERN.sub(lambda match: f" {_OPERATORS[match.group()]} ", expression)
    return " ".join(spoken.split())


def math_result(expression: str, result: float) -> str:
    return sentence(f"{spoken_expression(expression)} is {number(result)}.")


def math_failed(expression: str) -> str:
    if not expression:
        return "I couldn't work that out."
    return f"I couldn't work out {spoken_expression(expression)}."


# --- devices ---------------------------------------------------------------------------------


def cannot_control(what: str) -> str:
    """``what`` is ``volume``, ``media`` or ``keyboard``."""
    return _CANNOT.get(what, f"I can't control the {what} on this device.")


def adapter_failed(what: str) -> str:
    return _FAILED.get(what, f"Sorry, I couldn't control the {what}.")


def volume_set(level: int) -> str:
    return f"Volume set to {level} percent."


def volume_changed(level: int, delta: int) -> str:
    return f"Volume {'up' if delta > 0 else 'down'} to {level} percent."


def volume_need_level() -> str:
    return "What volume, from 0 to 100?"


def volume_need_delta() -> str:
    return "How much should I change the volume?"


def muted() -> str:
    return "Muted."


def unmuted() -> str:
    return "Unmuted."


def media_done(action: str) -> str:
    """``action`` is ``pause``, ``resume``, ``next`` or ``previous``."""
    return _MEDIA_DONE[action]


def nothing_playing() -> str:
    return "Nothing is playing."


def typed() -> str:
    return "Typed it."


def keyboard_need_text() -> str:
    return "What should I type?"


# --- for the rest of the edge ----------------------------------------------------------------


def cloud_unreachable() -> str:
    return "The cloud brain is not reachable."


def working_on_it() -> str:
    return "Working on it."


def waiting_for_cloud() -> str:
    return "I can't reach the cloud brain right now; I'll answer as soon as it's back."


def not_a_local_command(device_name: str) -> str:
    return f"The {device_name} can't do that by itself."


def cloud_failed(reason: str) -> str:
    """``reason`` is a short lower-case clause ("the cloud brain did not answer in time")."""
    return f"Sorry, I couldn't get an answer: {reason.strip().rstrip('.')}."


def not_caught() -> str:
    """For words the recognizer doubted that nothing could do: most likely misheard."""
    return "Sorry, I didn't catch that. Could you say it again?"


def did_you_mean(phrase: str) -> str:
    """Asked of words the recognizer doubted, with the grammar's phrase for the best guess."""
    return f"Did you mean “{phrase}”?"


def offer_declined() -> str:
    """After a no to "did you mean …?"."""
    return "Okay. Could you say it again?"


def nothing_to_repeat() -> str:
    return "I haven't said anything yet."


def nothing_to_confirm() -> str:
    return "There's nothing to confirm."


def stopped() -> str:
    return "Okay."


def something_went_wrong() -> str:
    return "Sorry, something went wrong."


# --- phrases users teach ---------------------------------------------------------------------


def phrases_unavailable() -> str:
    return "I can't learn phrases on this device."


def phrase_taught(phrase: str, actions: str, *, shared: bool) -> str:
    where = "" if shared else " on this device"
    return f"Okay. When you say “{phrase}”{where}, I'll {actions}."


def phrase_is_a_command(phrase: str) -> str:
    return f"“{phrase}” already means something to me, so I can't teach it another meaning."


def phrase_taken(phrase: str, actions: str) -> str:
    return f"“{phrase}” already means: {actions}. Say “forget the phrase {phrase}” first."


def phrase_needs_commands(actions: str) -> str:
    return f"I can only link a phrase to commands I run myself, and “{actions}” isn't one."


def phrase_too_many_commands(limit: int) -> str:
    return f"A phrase can run at most {limit} commands."


def phrase_unusable(limit: int) -> str:
    return f"A phrase needs a few words, at most {limit} characters."


def phrase_book_full(limit: int) -> str:
    return f"I already know {limit} phrases, the most I keep. Forget one first."


def phrase_unknown(phrase: str) -> str:
    return f"You haven't taught me “{phrase}”."


def phrase_forgotten(phrase: str) -> str:
    return f"Okay, I forgot “{phrase}”."


def phrases_listed(phrases: Sequence[tuple[str, str]]) -> str:
    if not phrases:
        return "You haven't taught me any phrases yet."
    said = [f"“{phrase}” to {actions}" for phrase, actions in phrases]
    return f"You taught me {plural(len(phrases), 'phrase')}: {join_words(said)}."


# --- weather (the sentences themselves are models.weather's, shared with the cloud) -----------


def no_weather_here() -> str:
    return "I don't have a recent forecast on this device. Ask me again when I'm online."


# --- the house, through Home Assistant ------------------------------------------------------


def _the(names: Sequence[str]) -> str:
    return join_words([f"the {name.lower()}" for name in names])


def home_not_configured() -> str:
    return "No Home Assistant is set up on this device (JARVIS_HA_URL and JARVIS_HA_TOKEN)."


def home_need_entity() -> str:
    return "Which light or device do you mean?"


def home_switched(names: Sequence[str], state: str) -> str:
    """``state`` is the new state in words: on, off, open, closed."""
    verb = "is" if len(names) == 1 else "are"
    return f"Okay, {_the(names)} {verb} {state}."


def home_level_set(names: Sequence[str], level: int) -> str:
    return f"Okay, {_the(names)} set to {level} percent."


def home_which(names: Sequence[str]) -> str:
    """Asked when a name fits several things: "The kitchen ceiling light or the ... ?"."""
    listed = [f"the {name.lower()}" for name in names]
    return sentence(f"{join_words(listed, 'or')}?")


def home_not_found(said: str, known: Sequence[str]) -> str:
    """Nothing is called ``said``; ``known`` names a few things that exist."""
    if not known:
        return f"I couldn't find the {said} in Home Assistant, and it lists nothing I can control."
    return f"I couldn't find the {said}. There's {_the(known)}."


def home_state(name: str, state: str) -> str:
    return f"The {name.lower()} is {state}."


def home_last_known_state(name: str, state: str) -> str:
    return f"Home Assistant isn't answering; the last I knew, the {name.lower()} was {state}."


def home_cannot_set_level(names: Sequence[str]) -> str:
    return f"I can't set a level on {_the(names)}."


def home_unreachable() -> str:
    return "Home Assistant isn't answering right now; try again in a moment."


def home_token_refused() -> str:
    return (
        "Home Assistant refused my access token. Create a new long-lived token in your "
        "Home Assistant profile and set it as JARVIS_HA_TOKEN."
    )


def home_failed(names: Sequence[str]) -> str:
    return f"Sorry, Home Assistant couldn't change {_the(names)}."

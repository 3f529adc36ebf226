"""The benchmark corpus: template-generated utterances plus the unit-test corpus, all labelled.

Every case carries the intent and slots Jarvis must produce (``None`` for the cloud). Templates
mix digits and number words, politeness, punctuation and casing the way recognizers deliver them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEST_CORPUS = ROOT / "tests" / "corpus" / "utterances.jsonl"

Slots = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One labelled utterance."""

    text: str
    intent: str | None
    slots: Slots = field(default_factory=dict)
    source: str = "template"
    """``template``, ``tests`` (unit-test corpus) or ``hassil`` (Home Assistant's own sentences)."""


# (spoken, seconds): digits and words, singular units for "N minute timer".
DURATIONS = [
    ("5 minutes", "5 minute", 300),
    ("five minutes", "five minute", 300),
    ("10 minutes", "10 minute", 600),
    ("twenty minutes", "twenty minute", 1200),
    ("3 minutes", "3 minute", 180),
    ("forty five seconds", "forty five second", 45),
    ("90 seconds", "90 second", 90),
    ("1 hour", "1 hour", 3600),
    ("two hours", "two hour", 7200),
    ("an hour and a half", None, 5400),
    ("half an hour", None, 1800),
    ("1 hour and 30 minutes", None, 5400),
    ("2 hours and 15 minutes", None, 8100),
    ("twelve minutes", "twelve minute", 720),
]
LEVELS = [("40", 40), ("forty", 40), ("75", 75), ("seventy five", 75), ("10", 10), ("100", 100)]
NAMES = ["pasta", "tea", "pizza", "laundry"]
ITEMS = ["milk", "eggs", "bread", "coffee", "bananas", "dish soap", "olive oil", "apples"]
LISTS = [("shopping list", "shopping"), ("grocery list", "shopping"), ("to do list", "todo")]
POLITE = ["{}", "please {}", "hey jarvis {}", "could you {}", "{} please", "Jarvis, {}."]


def _polite(texts: list[str]) -> Iterator[str]:
    """Each text once plain and once wrapped in a rotating politeness form."""
    forms = itertools.cycle(POLITE[1:])
    for text in texts:
        yield text
        yield next(forms).format(text)


def _timers() -> Iterator[Case]:
    for spoken, singular, seconds in DURATIONS:
        for text in _polite([f"set a timer for {spoken}", f"start a timer for {spoken}"]):
            yield Case(text, "timer.start", {"duration_s": seconds})
        if singular:
            yield Case(f"{singular} timer", "timer.start", {"duration_s": seconds})
            yield Case(f"set a {singular} timer", "timer.start", {"duration_s": seconds})
    for name, (spoken, _, seconds) in zip(NAMES, DURATIONS[:4], strict=True):
        slots = {"duration_s": seconds, "name": name}
        yield Case(f"{name} timer for {spoken}", "timer.start", slots)
        yield Case(f"set a timer for {spoken} called {name}", "timer.start", slots)
    for name in [None, *NAMES]:
        label = f"{name} timer" if name else "timer"
        named = {"name": name} if name else {}
        for verb in ["cancel the", "stop my", "delete the"]:
            yield Case(f"{verb} {label}", "timer.cancel", named)
        yield Case(f"pause the {label}", "timer.pause", named)
        yield Case(f"resume my {label}", "timer.resume", named)
        yield Case(f"how much time is left on the {label}", "timer.status", named)
        yield Case(f"add 2 minutes to the {label}", "timer.adjust", {"delta_s": 120, **named})
        yield Case(f"take a minute off the {label}", "timer.adjust", {"delta_s": -60, **named})
    for text in ["cancel all timers", "stop all the timers", "cancel all my timers"]:
        yield Case(text, "timer.cancel", {"all": True})
    for text in _polite(["how much time is left", "how long is left on the timer"]):
        yield Case(text, "timer.status")


def _volume_media() -> Iterator[Case]:
    for spoken, level in LEVELS:
        for text in _polite([f"set the volume to {spoken}", f"volume {spoken} percent"]):
            yield Case(text, "volume.set", {"level": level})
    up = ["turn it up", "volume up", "louder", "turn up the volume", "increase the volume"]
    down = ["turn it down", "volume down", "quieter", "turn down the volume", "lower the volume"]
    yield from (Case(t, "volume.change", {"delta": 10}) for t in _polite(up))
    yield from (Case(t, "volume.change", {"delta": -10}) for t in _polite(down))
    yield from (Case(t, "volume.mute") for t in _polite(["mute", "mute the sound"]))
    yield from (Case(t, "volume.unmute") for t in _polite(["unmute", "turn the sound back on"]))
    media = {
        "media.pause": ["pause", "pause the music", "stop the music", "pause the podcast"],
        "media.resume": ["resume", "resume the music", "continue playing", "unpause"],
        "media.next": ["next song", "skip this song", "next track", "skip to the next song"],
        "media.previous": ["previous song", "go back a song", "play the previous track"],
    }
    for name, texts in media.items():
        yield from (Case(t, name) for t in _polite(texts))


def _clock_system() -> Iterator[Case]:
    clock = {
        "time.now": ["what time is it", "what's the time", "tell me the time", "WHAT TIME IS IT?"],
        "date.today": ["what's the date", "what day is it", "what's today's date", "today's date"],
    }
    for name, texts in clock.items():
        yield from (Case(t, name) for t in _polite(texts))
    aspects = {
        None: ["how is the computer doing", "system status"],
        "cpu": ["cpu usage", "what's the cpu usage"],
        "memory": ["memory usage", "how much memory is free"],
        "battery": ["battery level", "how much battery is left"],
        "disk": ["disk space", "how much disk space is left"],
    }
    for aspect, texts in aspects.items():
        slots = {"aspect": aspect} if aspect else {}
        yield from (Case(t, "system.status", slots) for t in _polite(texts))


def _notes_lists() -> Iterator[Case]:
    for text in ["buy stamps", "call the plumber", "the car is on level three"]:
        for form in ["take a note {}", "make a note that {}", "note down {}"]:
            yield Case(form.format(text), "note.add", {"text": text})
    yield from (Case(t, "note.list") for t in _polite(["read my notes", "what are my notes"]))
    for item, (spoken, name) in itertools.product(ITEMS, LISTS):
        slots = {"item": item, "list": name}
        yield Case(f"add {item} to my {spoken}", "list.add", slots)
        yield Case(f"remove {item} from my {spoken}", "list.remove", slots)
    for item in ITEMS:
        yield Case(f"put {item} on the list", "list.add", {"item": item, "list": "shopping"})
    for spoken, name in LISTS:
        for text in _polite([f"what's on my {spoken}", f"read my {spoken}"]):
            yield Case(text, "list.show", {"list": name})


def _math_keyboard_assistant() -> Iterator[Case]:
    sums = [
        ("what is 12 times 7", "12 * 7", 84),
        ("what's twelve times seven", "12 * 7", 84),
        ("what is 100 divided by 8", "100 / 8", 12.5),
        ("what is two to the power of ten", "2 ^ 10", 1024),
        ("what is 15 percent of 80", "15 % of 80", 12),
        ("what's the square root of 81", "sqrt 81", 9),
        ("what is 45 plus 17", "45 + 17", 62),
        ("what is nine minus twelve", "9 - 12", -3),
        ("calculate 3 plus 4 times 2", "3 + 4 * 2", 11),
    ]
    for text, expression, result in sums:
        for variant in _polite([text]):
            yield Case(variant, "math.eval", {"expression": expression, "result": result})
    for typed in ["hello world", "good morning", "see you soon", "thanks for the update"]:
        yield Case(f"type {typed}", "keyboard.type", {"text": typed})
        yield Case(f"write {typed}", "keyboard.type", {"text": typed})
    control = {
        "assistant.stop": ["stop", "never mind", "be quiet", "shut up", "nevermind"],
        "assistant.repeat": ["say that again", "repeat that", "what did you say"],
        "assistant.confirm": ["yes", "yes please", "go ahead", "confirm"],
        "assistant.deny": ["no", "no thanks", "nope", "don't"],
    }
    for name, texts in control.items():
        yield from (Case(t, name) for t in texts)


def _everyday() -> Iterator[Case]:
    """The everyday skills (issue 12): alarms, the time elsewhere, countdowns, conversions,
    small talk and tips."""
    alarms = [
        ("set an alarm for 7 am", {"time": "07:00"}),
        ("wake me up at six thirty tomorrow", {"time": "06:30", "date": "tomorrow"}),
        ("alarm every weekday at 6:45", {"time": "06:45", "repeat": "weekdays"}),
        ("set a gym alarm for 6 pm", {"time": "18:00", "label": "gym"}),
    ]
    for text, slots in alarms:
        yield from (Case(t, "alarm.set", slots) for t in _polite([text]))
    yield from (Case(t, "alarm.list") for t in ["what alarms do i have", "when is my alarm"])
    yield Case("cancel my 7 am alarm", "alarm.cancel", {"time": "07:00"})
    yield Case("delete all alarms", "alarm.cancel", {"all": True})
    yield Case("snooze", "alarm.snooze")
    yield Case("snooze for 5 minutes", "alarm.snooze", {"minutes": 5})
    places = {"tokyo": "Tokyo", "paris": "Paris", "new york": "New York City", "lima": "Lima"}
    for spoken, place in places.items():
        for text in _polite([f"what time is it in {spoken}", f"time in {spoken}"]):
            yield Case(text, "time.in_zone", {"place": place})
    for spoken, event in [
        ("christmas", "christmas"),
        ("halloween", "halloween"),
        ("thanksgiving", "thanksgiving"),
        ("new year's eve", "new year's eve"),
    ]:
        yield Case(f"how many days until {spoken}", "date.countdown", {"event": event})
    yield Case(
        "how long until my birthday on june 3",
        "date.countdown",
        {"event": "birthday", "date": "--06-03"},
    )
    conversions = [
        ("convert 5 miles to kilometers", 5, "mile", "kilometer"),
        ("how many cups in a liter", 1, "liter", "cup"),
        ("70 fahrenheit in celsius", 70, "fahrenheit", "celsius"),
        ("what is 100 kilograms in pounds", 100, "kilogram", "pound"),
    ]
    for text, value, source, target in conversions:
        yield Case(text, "convert.units", {"value": value, "from": source, "to": target})
    small = {
        "random.coin": ["flip a coin", "heads or tails"],
        "joke.tell": ["tell me a joke", "make me laugh"],
        "chitchat.greeting": ["good morning", "hello there"],
        "chitchat.thanks": ["thank you", "thanks a lot"],
        "chitchat.goodbye": ["good night", "see you later"],
        "chitchat.about": ["who made you", "are you a robot"],
    }
    for name, texts in small.items():
        yield from (Case(t, name) for t in texts)
    yield Case("roll two dice", "random.dice", {"count": 2})
    yield Case("how do you spell necessary", "spell.word", {"word": "necessary"})
    yield Case(
        "tip of 18% on 45 dollars",
        "math.eval",
        {"expression": "18 % of 45", "result": 8.1, "total": 53.1},
    )


CLOUD_TEMPLATES = [
    "what's the time difference between {city} and here",
    "what's the weather in {city}",
    "how far is {city} from here",
    "search the web for {thing}",
    "remind me in {duration} to {task}",
    "remind me at 6 pm to {task}",
    "on the {device} set a timer for {duration}",
    "set a timer for {duration} on the {device}",
    "play {artist} on spotify",
    "play some {artist}",
    "write an email to {person} about {thing}",
    "type a letter to {person} and send it",
    "add {thing} to my calendar",
    "what is the capital of {city}",
    "who wrote {thing}",
    "how long does it take to {task}",
    "stop the server on my {device}",
    "pause the music on the {device}",
    "turn on the {appliance}",
    "set the {appliance} to 20",
    "how much {thing} do i need for {task}",
    "what's on tv in {city} tonight",
    "add {person} to the meeting",
    "read me the news about {city}",
]
FILLS = {
    "city": ["tokyo", "paris", "new york", "berlin", "lagos", "lima"],
    "thing": ["timer apps", "the time machine", "volume knobs", "shopping list apps", "notes"],
    "task": ["stretch", "call my sister", "water the plants", "boil an egg", "take my pills"],
    "duration": ["5 minutes", "ten minutes", "an hour"],
    "device": ["kitchen pi", "desktop", "laptop", "living room tv"],
    "artist": ["jazz", "the beatles", "taylor swift", "some lo-fi music"],
    "person": ["my boss", "grandma", "sam", "the landlord"],
    "appliance": ["thermostat", "lights", "heater", "oven"],
}


def _cloud() -> Iterator[Case]:
    for template in CLOUD_TEMPLATES:
        keys = [k for k in FILLS if "{" + k + "}" in template]
        combos = itertools.product(*(FILLS[k] for k in keys))
        for values in itertools.islice(combos, 14):
            yield Case(template.format(**dict(zip(keys, values, strict=True))), None)


def template_cases() -> list[Case]:
    """All template-generated cases."""
    families = [
        _timers, _volume_media, _clock_system, _notes_lists, _math_keyboard_assistant, _everyday
    ]  # fmt: skip
    cases = [case for family in families for case in family()]
    return cases + list(_cloud())


def unit_test_cases(path: Path = TEST_CORPUS) -> list[Case]:
    """The unit-test corpus as cases."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [Case(row["text"], row["intent"], row["slots"], "tests") for row in rows]


def build_corpus() -> list[Case]:
    """Templates plus the unit-test corpus, without duplicate texts (first label wins)."""
    seen: dict[str, Case] = {}
    for case in template_cases() + unit_test_cases():
        seen.setdefault(case.text, case)
    return list(seen.values())

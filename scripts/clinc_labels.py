"""CLINC150's intents in Jarvis's catalogue: training (``train_understanding.py``) and the
benchmark (``bench/understanding.py``) relabel the corpus the same way.

CLINC150: S. Larson et al., "An Evaluation Dataset for Intent Classification and Out-of-Scope
Prediction", EMNLP 2019 (github.com/clinc/oos-eval), licensed CC BY 3.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

OTHER = "other"
Row = tuple[str, str]

_ONE_TO_ONE = {
    "timer": "timer.start",
    "calculator": "math.eval",
    "shopping_list": "list.show",
    "todo_list": "list.show",
    "cancel": "assistant.stop",
    "repeat": "assistant.repeat",
    "yes": "assistant.confirm",
    "no": "assistant.deny",
    "next_song": "media.next",
    "tell_joke": "joke.tell",
    "greeting": "chitchat.greeting",
    "goodbye": "chitchat.goodbye",
    "thank_you": "chitchat.thanks",
    "what_is_your_name": "chitchat.about",
    "who_made_you": "chitchat.about",
    "are_you_a_bot": "chitchat.about",
    "how_old_are_you": "chitchat.about",
    "measurement_conversion": "convert.units",
    "flip_coin": "random.coin",
    "roll_dice": "random.dice",
    "spelling": "spell.word",
}
_DROPPED = {"timezone"}
"""CLINC intents too close to ours to be "other" yet not one of ours: left out."""
_IN_ZONE = re.compile(r"\b(?:zone|timezone)\b| in (?!here\b|my\b|this\b|the moment\b)| on the ")
_OTHER_DAY = re.compile(
    r"\b(?:tomorrow|yesterday|days?|weeks?|months?|year|calendar|next|will|ago|from now|last)\b"
)
_REMOVE = re.compile(r"\b(?:remove|take|delete|nix|rid|cross|clear|erase|off|scratch|strike)\b")
_LEVEL = re.compile(
    r"\b(?:to|at)(?: the)?(?: number| level)? (?:\d+|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|max|maximum|fifty|twenty|thirty|forty|sixty|seventy|eighty|ninety|hundred)\b"
)
_FORECAST = re.compile(r"\b(?:tomorrow|week|weekend|will|forecast|later|tonight|next|going to)\b")
_ALARM_LIST = re.compile(r"\b(?:what|which|when|is|are|do i|list|check|any)\b")
_ALARM_CANCEL = re.compile(r"\b(?:cancel|remove|delete|turn off|stop|disable|clear)\b")


def clinc_label(text: str, intent: str) -> str | None:
    """Our label for a CLINC150 row, ``OTHER`` for "not mine", ``None`` to leave it out."""
    if intent in _ONE_TO_ONE:
        return _ONE_TO_ONE[intent]
    if intent in _DROPPED:
        return None
    if intent == "time":
        return "time.in_zone" if _IN_ZONE.search(text) else "time.now"
    if intent == "date":
        return None if _OTHER_DAY.search(text) else "date.today"
    if intent in ("shopping_list_update", "todo_list_update"):
        return "list.remove" if _REMOVE.search(text) else "list.add"
    if intent == "change_volume":
        return "volume.set" if _LEVEL.search(text) else "volume.change"
    if intent == "weather":
        return "weather.forecast" if _FORECAST.search(text) else "weather.current"
    if intent == "alarm":
        if _ALARM_CANCEL.search(text):
            return "alarm.cancel"
        return "alarm.list" if _ALARM_LIST.match(text) else "alarm.set"
    return OTHER


def clinc_rows(split: Iterable[list[str]]) -> list[Row]:
    """Relabelled rows of one CLINC150 split."""
    rows = []
    for text, intent in split:
        label = clinc_label(text, intent)
        if label is not None:
            rows.append((text, label))
    return rows

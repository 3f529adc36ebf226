"""The names of the edge's local intents (DESIGN.md, "Local intents"): one constant each.

The edge's interpreter produces them, its skills declare which they run, and the cloud names
them when it sends one back (``models.device_intents``) or reads the weather; a name is a
contract, so it is written once, here.
"""

from __future__ import annotations

from typing import Final

TIME_NOW: Final = "time.now"
TIME_IN_ZONE: Final = "time.in_zone"
DATE_TODAY: Final = "date.today"
DATE_COUNTDOWN: Final = "date.countdown"

TIMER_START: Final = "timer.start"
TIMER_CANCEL: Final = "timer.cancel"
TIMER_PAUSE: Final = "timer.pause"
TIMER_RESUME: Final = "timer.resume"
TIMER_STATUS: Final = "timer.status"
TIMER_ADJUST: Final = "timer.adjust"

ALARM_SET: Final = "alarm.set"
ALARM_LIST: Final = "alarm.list"
ALARM_CANCEL: Final = "alarm.cancel"
ALARM_SNOOZE: Final = "alarm.snooze"

VOLUME_SET: Final = "volume.set"
VOLUME_CHANGE: Final = "volume.change"
VOLUME_MUTE: Final = "volume.mute"
VOLUME_UNMUTE: Final = "volume.unmute"

MEDIA_PAUSE: Final = "media.pause"
MEDIA_RESUME: Final = "media.resume"
MEDIA_NEXT: Final = "media.next"
MEDIA_PREVIOUS: Final = "media.previous"

SYSTEM_STATUS: Final = "system.status"
KEYBOARD_TYPE: Final = "keyboard.type"

NOTE_ADD: Final = "note.add"
NOTE_LIST: Final = "note.list"
LIST_ADD: Final = "list.add"
LIST_REMOVE: Final = "list.remove"
LIST_SHOW: Final = "list.show"

MATH_EVAL: Final = "math.eval"
CONVERT_UNITS: Final = "convert.units"

WEATHER_CURRENT: Final = "weather.current"
WEATHER_FORECAST: Final = "weather.forecast"

RANDOM_COIN: Final = "random.coin"
RANDOM_DICE: Final = "random.dice"
RANDOM_NUMBER: Final = "random.number"
SPELL_WORD: Final = "spell.word"
JOKE_TELL: Final = "joke.tell"
CHITCHAT_GREETING: Final = "chitchat.greeting"
CHITCHAT_THANKS: Final = "chitchat.thanks"
CHITCHAT_GOODBYE: Final = "chitchat.goodbye"
CHITCHAT_ABOUT: Final = "chitchat.about"

HOME_TURN_ON: Final = "home.turn_on"
HOME_TURN_OFF: Final = "home.turn_off"
HOME_SET_LEVEL: Final = "home.set_level"
HOME_STATE: Final = "home.state"
HOME_CONVERSATION: Final = "home.conversation"
"""Recorded for a request Home Assistant's own conversation agent answered (no skill runs it)."""

PHRASE_RUN: Final = "phrase.run"
PHRASE_TEACH: Final = "phrase.teach"
PHRASE_FORGET: Final = "phrase.forget"
PHRASE_LIST: Final = "phrase.list"

ASSISTANT_STOP: Final = "assistant.stop"
ASSISTANT_REPEAT: Final = "assistant.repeat"
ASSISTANT_CONFIRM: Final = "assistant.confirm"
ASSISTANT_DENY: Final = "assistant.deny"

APP_INTENTS: Final = frozenset(
    {ASSISTANT_STOP, ASSISTANT_REPEAT, ASSISTANT_CONFIRM, ASSISTANT_DENY}
)
"""Intents the conversation itself answers; the skills run the rest."""
PHRASE_INTENTS: Final = frozenset({PHRASE_RUN, PHRASE_TEACH, PHRASE_FORGET, PHRASE_LIST})
"""Teaching, forgetting, listing and running the phrases users teach (the conversation's too)."""

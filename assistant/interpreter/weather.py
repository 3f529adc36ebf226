"""Weather: "what's the weather", "will it rain tomorrow in lisbon", "weather this weekend".

Read by ``models.weather_phrases``, shared with the cloud's planner, so both understand a request
the same way. The edge answers it from the forecast the cloud pushed when that copy can, and
forwards it otherwise (``assistant.skills.weather``).
"""

from __future__ import annotations

from assistant.interpreter._common import intent
from assistant.interpreter._text import Text
from models import Intent
from models.weather_phrases import TRIGGERS as WEATHER_TRIGGERS
from models.weather_phrases import parse_weather

TRIGGERS = WEATHER_TRIGGERS


def match(text: Text) -> Intent | None:
    """``weather.current`` or ``weather.forecast`` with ``place`` and ``when``, or ``None``."""
    request = parse_weather(text.lower)
    if request is None:
        return None
    return intent(request.intent, place=request.place, when=request.when)

"""The weather: "what's the weather", "will it rain tomorrow in Paris".

The words are read by ``models.weather_phrases`` from the words as said, exactly as the edge
reads them (``cloud.weather.plans``), before any language model is asked: the weather comes from
the provider, never from what a model remembers. The request path says it before storing
anything (``cloud.weather.service``: no transaction waits on the provider); a weather action
that reaches the dispatch had no provider to ask.
"""

from __future__ import annotations

from cloud.capabilities.capability import Asked, Capability, Handles, Request, View
from cloud.weather.plans import Weather, plan_weather

NO_WEATHER_TEXT = "Sorry, I can't get the weather from here."


def read(asked: Asked) -> Weather | None:
    return plan_weather(asked.said)


async def _carry_out(request: Request, action: Weather) -> str:
    return NO_WEATHER_TEXT


def _describe(action: Weather) -> View:
    return View("weather", dict(action.slots), intent=action.intent)


CAPABILITY = Capability(
    name="weather",
    handles=(Handles(Weather, carry_out=_carry_out, describe=_describe),),
    rule=read,
    ruled_only=True,
)

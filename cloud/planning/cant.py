"""What Jarvis says when it cannot do something: one short sentence, and one thing it can.

Read aloud, a list of every capability is a minute of speech nobody asked for. So a request the
cloud cannot carry out gets what was not possible and one related offer ("I can't answer that
about the weather. I can set a reminder to look it up."), under 25 words; the whole picture, by
domain, only for "what can you do".

Topics are matched by keywords, first match wins, like the interpreter's table of domains. A
topic Jarvis learns later is caught by its planner or skill before anything here is reached, so
an entry never contradicts what Jarvis can do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 25
"""The longest a "can't" reply may be, in words: one breath."""


@dataclass(frozen=True, slots=True)
class Cant:
    """A topic Jarvis cannot handle yet, and the one related thing it offers instead."""

    keywords: re.Pattern[str]
    sentence: str


def _topic(words: str, sentence: str) -> Cant:
    return Cant(re.compile(rf"\b(?:{words})\b"), sentence)


TOPICS = (
    _topic(
        r"weather|forecast|rain\w*|snow\w*|temperature|sunny|umbrella|humid\w*",
        # True before and after the weather skill lands: it catches what it can answer first.
        "I can't answer that about the weather. I can set a reminder to look it up.",
    ),
    _topic(
        r"e-?mails?|messages?|texts?|sms|whatsapp|reply to",
        "I can't send or read messages. I can remind you to write it later.",
    ),
    _topic(
        r"call|phone|dial|ring",
        "I can't make calls. I can remind you to make that call.",
    ),
    _topic(
        r"calendar|meetings?|appointments?|schedule|agenda|events?",
        "I can't see your calendar. I can remind you of it at the time you say.",
    ),
    _topic(
        r"news|headlines?",
        "I can't follow the news myself. I can have a device open a news page and read you its "
        "headline.",
    ),
    _topic(
        r"search|google|look up|wikipedia|web",
        "I can't search the web yet. I can have a device open a page you name and read its title.",
    ),
    _topic(
        r"buy|order|shop\w*|purchase|deliver\w*",
        "I can't order things. I can add them to your shopping list.",
    ),
    _topic(
        r"lights?|lamps?|thermostat|heating|lock|unlock|doors?|garage|switch",
        "I can't work that part of your house from here. I can remind you to see to it.",
    ),
    _topic(
        r"play|song|songs|music|playlist|spotify|podcast|radio",
        "I can't choose what to play. I can pause, resume or skip what is playing.",
    ),
    _topic(
        r"translate|translation|in french|in spanish|in german",
        "I can't translate yet. I can take a note so you can look it up later.",
    ),
    _topic(
        r"directions?|traffic|route|drive to|navigate|flights?|train",
        "I can't plan trips or routes. I can remind you when it is time to leave.",
    ),
    _topic(
        r"pay|bank|balance|transfer|money|bill",
        "I can't reach your bank or payments. I can remind you to pay it.",
    ),
)

FALLBACK = "Sorry, I can't do that yet. Ask “what can you do” to hear what I can."


NOT_CAUGHT = "Sorry, I didn't catch that. Could you say it again?"
"""For words the edge's recognizer doubted that nothing here can do: most likely misheard, so
"I can't" would answer words the person never said."""


def unknown_reply(text: str, words_doubted: bool = False) -> str:
    """What Jarvis says when nothing can do ``text`` (normalized): ``NOT_CAUGHT`` when the
    recognizer doubted the words (``understanding.doubted_words``), else ``cant_reply``."""
    return NOT_CAUGHT if words_doubted else cant_reply(text)


def cant_reply(text: str) -> str:
    """The short "can't" for ``text`` (normalized: lower case, plain words): what was not
    possible, and one related thing Jarvis can do."""
    for topic in TOPICS:
        if topic.keywords.search(text):
            return topic.sentence
    return FALLBACK


DOMAINS = (
    "On your device: timers and alarms, the time and dates, lists and notes, maths and "
    "conversions, volume and music.",
    "Through me: reminders, and missions on your devices, like reading a page, running a "
    "script or taking a photo.",
    "And, as they are set up: the weather, and the lights and switches of your house.",
)
HELP_TEXT = " ".join(("Here is what I can do, by topic.", *DOMAINS, "Ask about one to start."))
"""The answer to "what can you do": a few short sentences, one per group of domains."""

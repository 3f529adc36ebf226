"""Slots for an intent the learned tier recognised: the model names the intent, these find its
slots in the words ("raise the volume to fifty" → ``level=50``).

``fill`` answers one of three things: a runnable ``Intent``; an ``Intent`` still missing one
required slot (the edge asks for it, and ``answer`` reads the user's next words as that slot);
or ``None`` — the edge cannot run this text faithfully (an intent it has no extractor for, a
"mute for twenty minutes" the edge cannot time), so it is forwarded rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from assistant.interpreter import calculator
from assistant.interpreter._clock_times import TIME_UNNAMED, clock_time
from assistant.interpreter._common import clean_name, intent
from assistant.interpreter._durations import DURATION, duration_s
from assistant.interpreter._text import Text, normalize
from assistant.interpreter.arithmetic import calculate
from assistant.interpreter.errors import ExpressionError
from assistant.interpreter.lists import DEFAULT_LIST
from assistant.interpreter.system import ASPECTS
from assistant.interpreter.volume import DEFAULT_STEP
from models import Intent
from models import intent_names as names

__all__ = ["Filled", "answer", "fill", "question"]


@dataclass(frozen=True, slots=True)
class Filled:
    """An intent with the slots found; ``missing`` names the required slot still to ask for."""

    intent: Intent
    missing: str | None = None


_NO_SLOTS: Final = frozenset(
    {
        names.TIME_NOW,
        names.DATE_TODAY,
        names.TIMER_PAUSE,
        names.TIMER_RESUME,
        names.TIMER_STATUS,
        names.MEDIA_PAUSE,
        names.MEDIA_RESUME,
        names.MEDIA_NEXT,
        names.MEDIA_PREVIOUS,
        names.VOLUME_MUTE,
        names.VOLUME_UNMUTE,
        names.NOTE_LIST,
        names.ASSISTANT_STOP,
        names.ASSISTANT_REPEAT,
        names.ASSISTANT_CONFIRM,
        names.ASSISTANT_DENY,
        names.ALARM_LIST,
        names.JOKE_TELL,
        names.CHITCHAT_GREETING,
        names.CHITCHAT_THANKS,
        names.CHITCHAT_GOODBYE,
        names.CHITCHAT_ABOUT,
        names.RANDOM_COIN,
    }
)
"""Intents whose slots are all optional: the name alone runs them."""
_UNTIMED: Final = frozenset(
    {
        names.VOLUME_MUTE,
        names.VOLUME_UNMUTE,
        names.MEDIA_PAUSE,
        names.MEDIA_RESUME,
        names.ASSISTANT_STOP,
    }
)
"""Intents that cannot last "for twenty minutes" here: with a duration they are forwarded."""

_SECOND_REQUEST = re.compile(
    r"\b(?:and|then|also) (?:tell me|let me know|what|who|where|which|play|read|find|search"
    r"|look up|show|send|email|text|call|book|order|open|check)\b"
)
"""A second request joined to the first ("turn it down and tell me who is singing"): the edge
would do half of what was asked, so the whole sentence goes to the cloud."""
_NOT_A_REPEAT = re.compile(
    r"\b(?:explain|rephrase|clarify|elaborate|unclear|mean|meant|simpler|louder|quieter|slower"
    r"|softer|translate)\b"
)
"""Asked again, but differently ("explain what you said", "say it again louder"): repeating the
same words would not be what was asked."""
_DURATION = re.compile(rf"(?P<dur>{DURATION})")
_NUMBER = re.compile(r"(?<![\d.])(\d+)(?: ?(?:percent|%))?")
_LEVEL = re.compile(
    r"\b(?:to|at|on)(?: level| the level of| number)? (\d+)\b(?! (?:minutes?|hours?))"
)
_UP = re.compile(
    r"\b(?:up|louder|raise|increase|higher|boost|more|crank|pump|can't hear|cannot hear|"
    r"too quiet|too soft|speak up)\b"
)
_DOWN = re.compile(r"\b(?:down|lower|quieter|softer|decrease|reduce|too loud|less)\b")
_BY = re.compile(r"\bby (\d+)\b")

_ALIASES = {
    "to do": "todo",
    "todo": "todo",
    "to-do": "todo",
    "task": "todo",
    "tasks": "todo",
    "things to do": "todo",
    "grocery": "shopping",
    "groceries": "shopping",
    "shopping": "shopping",
}
_LIST_OF = re.compile(r"\blist of (?P<name>things to do|tasks|groceries|(?:[a-z]+ ){0,2}[a-z]+)$")
_LIST_NAME = re.compile(r"\b(?P<name>to do|(?:[a-z]+ )?[a-z]+) list\b")
_NOT_LIST_NAMES = frozenset(
    {"my", "the", "our", "a", "this", "that", "your", "on", "to", "from", "off", "of", "in"}
)
_PRONOUN_ITEMS = frozenset(
    {"it", "that", "this", "that item", "this item", "the item", "an item", "something",
     "items", "things", "stuff", "them", "one", "that one", "this one", "a thing"}
)  # fmt: skip
_ADD = re.compile(
    r"\b(?:add|put|have|had|stick|throw|pop|include|at|write|place)(?: down)? (?P<item>.+?)"
    r" (?:to|on|onto|in|into|two|too|at|for) (?:my |the |our |a |this )?(?:[a-z -]+ )?list\b"
)
_ADD_BARE = re.compile(r"^(?:please )?(?:add|put) (?P<item>.+?)$")
_REMOVE = re.compile(
    r"\b(?:remove|delete|take|cross|scratch|strike|erase|get rid of|drop|clear)"
    r"(?: out)? (?P<item>.+?)(?: off| out)? (?:off|from|out of|of) (?:of )?"
    r"(?:my |the |our |this )?(?:[a-z -]+ )?list\b"
)
_REMOVE_BARE = re.compile(r"^(?:remove|delete|take off|cross off) (?P<item>.+?)$")
_ARTICLE = re.compile(r"^(?:a|an|the|some|my) ")
_NOTE = re.compile(
    r"\b(?:note|notes|remember|write down|jot down|memo)(?: that| down| this| saying)?:? "
    r"(?P<text>.+)$"
)
_TYPE = re.compile(r"\b(?:type|write)(?: out| in| down)? (?P<text>.+)$")
_MATH_WORDS = re.compile(
    r"\b(?:math|maths|mathematic\w*|calculat\w*|arithmetic|sum|equation|percentage)\b"
)
_REWRITES = (
    (re.compile(r"\bdivide (\d+(?:\.\d+)?)(?: and divide it)? by (\d+(?:\.\d+)?)"), r"\1 / \2"),
    (re.compile(r"\b(\d+(?:\.\d+)?) and divide it by (\d+(?:\.\d+)?)"), r"\1 / \2"),
    (re.compile(r"\bmultiply (\d+(?:\.\d+)?) (?:by|and|with) (\d+(?:\.\d+)?)"), r"\1 * \2"),
    (re.compile(r"\badd (\d+(?:\.\d+)?) (?:and|to) (\d+(?:\.\d+)?)"), r"\1 + \2"),
    (
        re.compile(r"\b(?:subtract|subract|substract) (\d+(?:\.\d+)?) from (\d+(?:\.\d+)?)"),
        r"\2 - \1",
    ),
    (
        re.compile(
            r"\bhow many times (?:can|does|will|do) (\d+(?:\.\d+)?) "
            r"(?:be divided into|go into|fit into) (\d+(?:\.\d+)?)"
        ),
        r"\2 / \1",
    ),
)
"""Spoken operations with the verb first, rewritten into expressions the evaluator reads."""
_NUMBER_LIST = r"\d+(?:\.\d+)?(?:(?: and)? \d+(?:\.\d+)?)+"
_AGGREGATE = re.compile(
    rf"\b(?:(?:the )?(?P<op>sum|total|average|mean) of|(?P<add>add up|add together|total up))"
    rf" (?P<numbers>{_NUMBER_LIST})"
)
"""A sum or an average of a spoken list ("the sum of 3, 7, 9 and 24", "add up 8 and 7"), its
commas already gone (``normalize``)."""
_MONEY = re.compile(r"\$ ?(?=\d)")
"""Dollar signs, which the evaluator does not read."""
_FIRST_NUMBER_TO_LAST = re.compile(r"(?:square root of |sqrt |-|\()?\d.*\d(?:\)| squared| cubed)?")
_EQUALS_TAIL = re.compile(r" (?:equals?|=|is|makes?) .*$")
_EXPRESSION = re.compile(
    r"^(?:.*?\b(?:what's|whats|what is|calculate|compute|how much is|tell me|solve|is))?"
    r" ?(?:the answer to |the result of |the value of )?(?P<expr>.+?)(?: equal| equals| is)?$"
)
_ARTICLE_NUMBER = re.compile(r"\ban? (?=\d)")
_ALARM_TIME = re.compile(rf"(?<![\d:.])(?:{TIME_UNNAMED})(?![\d:])")
"""A time of day as the alarm templates read it ("7", "7 30", "7:30 pm", "half past 6")."""
_MISHEARD_MERIDIEM = re.compile(r"(?<=\d) (?:at|and|a) m\b\.?")
"""Recognizers hear "7:30 a.m." as "7.30 at m." or "7 30 a m": read them as "am"."""
_IN_ZONE = re.compile(r"\b(?:in|at|for) (?P<place>(?!the moment|my |here)[a-z][a-z .'-]+?)$")
_WHEN = re.compile(
    r"\b(?:(?P<today>today|tonight|this (?:morning|afternoon|evening))|(?P<tomorrow>tomorrow)"
    r"|(?P<weekend>(?:this |the )?weekend)"
    r"|(?:on |this )?(?P<day>monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
)
"""The days a kept forecast can speak of (``when``: today, tomorrow, weekend or a weekday)."""
_OTHER_WHEN = re.compile(r"\b(?:week|weeks|days|month|next|later|hours?|ago|yesterday|last)\b")
"""Times the edge's kept forecast cannot answer for: the cloud does."""
_PLACE = re.compile(
    r"\b(?:in|at|for) (?P<place>(?!the |this |today|tomorrow|my )[a-z][a-z .'-]+?)$"
)
_SPELL = re.compile(r"\bspell(?: out)?(?: the word| for me)? (?P<word>[a-z'-]+)\b")
_ALARM_DAYS = re.compile(
    r"\b(?:every|daily|weekdays?|weekends?|next|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|mondays|tuesdays|wednesdays|thursdays|fridays|saturdays"
    r"|sundays|on the|called|named|labell?ed)\b"
)
"""Days, repeats and labels: the alarm skill's ``date``/``repeat``/``label`` slots, which these
extractors do not read, so such requests go where they are read whole."""
_ALARM_QUESTION = re.compile(
    r"(?:what|which|when|is|are|do i|did i|have i|may i know|can you tell me|tell me)\b"
)
"""An alarm request said as a question, without a time to set: the alarms already set."""
_DELTA_DOWN = re.compile(r"\b(?:take|remove|subtract|less|shorten|reduce|cut|knock|minus)\b")


def _digits(text: Text) -> str:
    return text.digits


def _volume(name: str, text: Text) -> Filled | None:
    digits = _digits(text)
    level = _LEVEL.search(digits)
    if level is not None and not _BY.search(digits):
        return Filled(intent(names.VOLUME_SET, level=min(int(level[1]), 100)))
    up, down = _UP.search(text.lower), _DOWN.search(text.lower)
    if up or down:
        by = _BY.search(digits)
        step = int(by[1]) if by else DEFAULT_STEP
        if not 0 < step <= 100:
            return None
        # "too loud, turn it down" has both words; the later one is the wish.
        going_up = up is not None and (down is None or up.start() > down.start())
        return Filled(intent(names.VOLUME_CHANGE, delta=step if going_up else -step))
    if name == names.VOLUME_SET:
        number = _NUMBER.search(digits)
        if number is not None:
            return Filled(intent(names.VOLUME_SET, level=min(int(number[1]), 100)))
    return Filled(Intent(names.VOLUME_SET, {}), missing="level")


_FOREIGN_LISTS = frozenset(
    {"contact", "contacts", "email", "mailing", "address", "phone", "friend", "friends", "play",
     "playlist", "watch", "reading", "seller", "guest", "waiting"}
)  # fmt: skip
"""Lists that are not the user's lists on this edge (an address book, a streaming queue)."""


def _list_name(lower: str) -> str | None:
    """The list named in ``lower``: an alias, the user's own list, the default, or ``None``."""
    found = _LIST_OF.search(lower)
    if found is None:
        # The last "... list" in the sentence names it: "add the list of names to my work list".
        named = list(_LIST_NAME.finditer(lower))
        found = named[-1] if named else None
    if found is None:
        return DEFAULT_LIST
    said = found["name"].strip()
    if said in _ALIASES:
        return _ALIASES[said]
    words = [w for w in said.split() if w not in _NOT_LIST_NAMES]
    said = " ".join(words)
    if not said:
        return DEFAULT_LIST
    if said in _ALIASES:
        return _ALIASES[said]
    last = said.split()[-1]
    if last in _ALIASES:
        return _ALIASES[last]
    if _FOREIGN_LISTS & set(said.split()):
        return None
    # "show list items", "clear the list": a verb before "list" names no list of its own.
    return clean_name(said) or DEFAULT_LIST


def _item(raw: str | None) -> str | None:
    if raw is None:
        return None
    item = _ARTICLE.sub("", raw.strip())
    return None if not item or item in _PRONOUN_ITEMS else item


def _list_item(name: str, text: Text) -> Filled | None:
    lower = text.lower
    list_name = _list_name(lower)
    if list_name is None:
        return None
    patterns = (_ADD, _ADD_BARE) if name == names.LIST_ADD else (_REMOVE, _REMOVE_BARE)
    for pattern in patterns:
        found = pattern.search(lower)
        if found is not None:
            item = _item(found["item"])
            if item is not None and "list" not in item.split():
                return Filled(intent(name, item=item, list=list_name))
            break
    return Filled(intent(name, list=list_name), missing="item")


def _aggregate(found: re.Match[str]) -> str:
    """ "sum of 3, 7 and 9" → "3 + 7 + 9"; "average of 3 and 7" → "(3 + 7) / 2"."""
    numbers = re.findall(r"\d+(?:\.\d+)?", found["numbers"])
    total = " + ".join(numbers)
    return f"({total}) / {len(numbers)}" if found["op"] in ("average", "mean") else total


def _math(text: Text) -> Filled | None:
    template = calculator.match(text)
    if template is not None:
        return Filled(template)
    found = _EXPRESSION.fullmatch(_digits(text))
    if found is not None:
        try:
            calculation = calculate(_ARTICLE_NUMBER.sub("", found["expr"]))
        except ExpressionError:
            calculation = None
        if calculation is not None and calculation.operators > 0:
            return Filled(
                intent(
                    names.MATH_EVAL, expression=calculation.expression, result=calculation.result
                )
            )
    rewritten = _AGGREGATE.sub(_aggregate, _MONEY.sub("", _digits(text)))
    for pattern, replacement in _REWRITES:
        rewritten = pattern.sub(replacement, rewritten)
    span = _FIRST_NUMBER_TO_LAST.search(rewritten)
    if span is not None:
        for candidate in (span[0], _EQUALS_TAIL.sub("", span[0])):
            try:
                calculation = calculate(candidate)
            except ExpressionError:
                continue
            if calculation.operators > 0:
                return Filled(
                    intent(
                        names.MATH_EVAL,
                        expression=calculation.expression,
                        result=calculation.result,
                    )
                )
    if _MATH_WORDS.search(text.lower):
        return Filled(Intent(names.MATH_EVAL, {}), missing="expression")
    return None


def _timer(name: str, text: Text) -> Filled | None:
    found = _DURATION.search(_digits(text))
    seconds = duration_s(found["dur"]) if found else None
    if name == names.TIMER_START:
        if seconds is None:
            return Filled(Intent(names.TIMER_START, {}), missing="duration_s")
        return Filled(intent(names.TIMER_START, duration_s=seconds))
    if seconds is None:
        return None
    sign = -1 if _DELTA_DOWN.search(text.lower) else 1
    return Filled(intent(names.TIMER_ADJUST, delta_s=sign * seconds))


def _free_text(name: str, pattern: re.Pattern[str], text: Text, slot: str) -> Filled:
    found = pattern.search(text.lower)
    if found is not None:
        start, end = found.span("text")
        said = text.span(start, end).strip()
        if said:
            return Filled(Intent(name, {slot: said}))
    return Filled(Intent(name, {}), missing=slot)


def _clock_time(text: Text) -> str | None:
    """ "7", "7 30", "7:30 pm", "7.30 at m.", "19:00" → "HH:MM"; ``None`` without an hour."""
    said = _MISHEARD_MERIDIEM.sub(" am", _digits(text))
    for found in _ALARM_TIME.finditer(said):
        at = clock_time(found[0])
        if at is not None:
            return at
    return None


def fill(name: str, raw: str) -> Filled | None:
    """``name``'s slots found in ``raw``; ``None`` when the edge should forward the text."""
    text = normalize(raw)
    if text is None:
        return None
    if name in _UNTIMED and _DURATION.search(_digits(text)):
        return None
    if _SECOND_REQUEST.search(text.lower):
        return None
    if name == "assistant.repeat" and _NOT_A_REPEAT.search(text.lower):
        return None
    if name in _NO_SLOTS:
        return Filled(Intent(name, {}))
    match name:
        case names.VOLUME_SET | names.VOLUME_CHANGE:
            return _volume(name, text)
        case names.LIST_ADD | names.LIST_REMOVE:
            return _list_item(name, text)
        case names.LIST_SHOW:
            list_name = _list_name(text.lower)
            return None if list_name is None else Filled(intent(name, list=list_name))
        case names.MATH_EVAL:
            return _math(text)
        case names.TIMER_START | names.TIMER_ADJUST:
            return _timer(name, text)
        case names.TIMER_CANCEL:
            every = bool({"all", "every", "both"} & text.words)
            return Filled(intent(name, all=True if every else None))
        case names.NOTE_ADD:
            return _free_text(name, _NOTE, text, "text")
        case names.KEYBOARD_TYPE:
            return _free_text(name, _TYPE, text, "text")
        case names.SYSTEM_STATUS:
            aspects = [ASPECTS[w] for w in text.lower.split() if w in ASPECTS]
            return Filled(intent(name, aspect=aspects[0] if aspects else None))
        case names.ALARM_SET:
            if _ALARM_DAYS.search(text.lower):
                return None
            at = _clock_time(text)
            if at is None and _ALARM_QUESTION.match(text.lower):
                # "what time will my alarm wake me up": a question about the alarms set.
                return Filled(Intent("alarm.list", {}))
            return (
                Filled(Intent(name, {}), missing="time")
                if at is None
                else Filled(intent(name, time=at))
            )
        case names.ALARM_CANCEL:
            every = bool({"all", "every"} & text.words)
            return Filled(intent(name, all=True if every else None, time=_clock_time(text)))
        case names.TIME_IN_ZONE:
            place = _IN_ZONE.search(text.lower)
            return None if place is None else Filled(intent(name, place=place["place"]))
        case names.WEATHER_CURRENT | names.WEATHER_FORECAST:
            when = _WHEN.search(text.lower)
            if when is None and _OTHER_WHEN.search(text.lower):
                return None
            place = _PLACE.search(text.lower)
            said = None
            if when is not None:
                said = when["day"] or next(k for k in ("today", "tomorrow", "weekend") if when[k])
            return Filled(intent(name, when=said, place=place["place"] if place else None))
        case names.SPELL_WORD:
            word = _SPELL.search(text.lower)
            return (
                Filled(Intent(name, {}), missing="word")
                if word is None
                else Filled(intent(name, word=word["word"]))
            )
    # No extractor (unit conversion, countdowns, dice, forecasts): the cloud does it right.
    return None


def answer(filled: Filled, raw: str) -> Intent | None:
    """``filled``'s intent with its missing slot taken from the user's answer ``raw``."""
    text = normalize(raw)
    slot = filled.missing
    if text is None or slot is None:
        return None
    slots = dict(filled.intent.slots)
    name = filled.intent.name
    match slot:
        case "item":
            item = _item(text.lower)
            if item is None:
                return None
            slots["item"] = item
        case "duration_s":
            found = _DURATION.search(_digits(text))
            seconds = duration_s(found["dur"]) if found else None
            if seconds is None:
                return None
            slots["duration_s"] = seconds
        case "level":
            number = _NUMBER.search(_digits(text))
            if number is None:
                return None
            slots["level"] = min(int(number[1]), 100)
        case "expression":
            reread = _math(text)
            return None if reread is None or reread.missing else reread.intent
        case "time":
            at = _clock_time(text)
            if at is None:
                return None
            slots["time"] = at
        case "text" | "word":
            slots[slot] = text.cased
    return Intent(name, slots)


_QUESTIONS = {
    (names.LIST_ADD, "item"): "Add what to your {list} list?",
    (names.LIST_REMOVE, "item"): "Remove what from your {list} list?",
    (names.TIMER_START, "duration_s"): "For how long?",
    (names.VOLUME_SET, "level"): "To what level, from 0 to 100?",
    (names.MATH_EVAL, "expression"): "What should I calculate?",
    (names.NOTE_ADD, "text"): "What should the note say?",
    (names.KEYBOARD_TYPE, "text"): "What should I type?",
    (names.ALARM_SET, "time"): "For what time?",
    (names.SPELL_WORD, "word"): "Which word should I spell?",
}


def question(filled: Filled) -> str:
    """The short question that asks for ``filled``'s missing slot."""
    template = _QUESTIONS.get(
        (filled.intent.name, filled.missing or ""), "Could you say that again?"
    )
    list_name = str(filled.intent.slots.get("list", DEFAULT_LIST))
    return template.format(list="to-do" if list_name == "todo" else list_name)

"""Unit conversions: "convert 5 miles to kilometers", "how many cups in a liter", "70 fahrenheit
in celsius" → ``convert.units`` with ``value``, ``from`` and ``to`` (canonical unit names).

Both units must be known and measure the same kind of thing; anything else ("5 dollars in
euros", "5 miles in liters") goes to the cloud.
"""

from __future__ import annotations

from assistant import units
from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._grammar import phrases, spell
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = units.WORDS

_DEG = r"(?:(?:degrees?|deg) )?"
_FROM = rf"(?P<src>{_DEG}(?:{units.SPOKEN}))"
_TO = rf"(?P<dst>{_DEG}(?:{units.SPOKEN}))"
_VALUE = (
    r"(?P<value>(?:minus |negative |-)?\d+(?:\.\d+)?(?: and (?:a half|a quarter|3 quarters))?"
    r"|(?:a |one )?half(?: an?)?|a quarter(?: of an?)?|an?|one)"
)
_ASK = rf"(?:convert |what is |{WHATS} |how much is |how many is |change |turn )?"
_CONVERT = compile_all(
    rf"{_ASK}{_VALUE} {_FROM} (?:to|into|in|in terms of|as|is how many|equals how many) {_TO}",
    rf"how many {_TO} (?:are |is )?(?:there )?(?:in|to) {_VALUE} {_FROM}",
    rf"how many {_TO} (?:is|are|make|makes|equal|equals|in) {_VALUE} {_FROM}",
    rf"convert {_FROM} to {_TO}",
)
_FRACTIONS = {"a half": 0.5, "a quarter": 0.25, "3 quarters": 0.75}


def _value(said: str | None) -> float | None:
    if said is None:
        return 1.0
    if said in ("a", "an", "one"):
        return 1.0
    if "half" in said and not said[0].isdigit() and not said.startswith(("minus", "neg", "-")):
        return 0.5
    if said.startswith("a quarter"):
        return 0.25
    sign = 1.0
    for prefix in ("minus ", "negative ", "-"):
        if said.startswith(prefix):
            sign, said = -1.0, said.removeprefix(prefix)
    number, _, fraction = said.partition(" and ")
    try:
        return sign * (float(number) + _FRACTIONS.get(fraction, 0.0))
    except ValueError:
        return None


def _units(src: str, dst: str) -> tuple[units.Unit, units.Unit] | None:
    source, target = units.unit(src), units.unit(dst)
    if source is None or target is None or source == target:
        return None
    # "Ounces in a cup" means fluid ounces: an ounce beside a volume is one.
    if source.name == "ounce" and target.kind == "volume":
        source = units.BY_NAME["fluid ounce"]
    if target.name == "ounce" and source.kind == "volume":
        target = units.BY_NAME["fluid ounce"]
    if source.kind != target.kind:
        return None
    return source, target


def match(text: Text) -> Intent | None:
    """``convert.units``, or ``None``."""
    for pattern in _CONVERT:
        found = pattern.fullmatch(text.digits)
        if found is None:
            continue
        pair = _units(found["src"], found["dst"])
        value = _value(found.groupdict().get("value"))
        if pair is None or value is None:
            return None
        shown = int(value) if value.is_integer() else value
        return intent(
            names.CONVERT_UNITS, value=shown, **{"from": pair[0].name, "to": pair[1].name}
        )
    return None


_CONVERSIONS = (
    ("miles", "kilometers"), ("kilometers", "miles"), ("pounds", "kilograms"),
    ("kilograms", "pounds"), ("feet", "meters"), ("meters", "feet"), ("inches", "centimeters"),
    ("cups", "milliliters"), ("liters", "gallons"), ("gallons", "liters"), ("ounces", "grams"),
)  # fmt: skip


def _numbered() -> list[str]:
    said = [
        f"convert {spell(n)} {source} to {target}"
        for source, target in _CONVERSIONS
        for n in (2, 5, 10, 100)
    ]
    said += [f"{spell(n)} degrees fahrenheit in celsius" for n in range(0, 101, 10)]
    return said + [f"{spell(n)} degrees celsius in fahrenheit" for n in range(0, 41, 5)]


GRAMMAR = (
    *phrases(
        "how many cups in a liter|how many ounces in a cup|how many teaspoons in a tablespoon",
        "how many feet in a mile|how many grams in a pound|how many tablespoons in a cup",
        "how many inches in a foot|how many centimeters in an inch",
    ),
    *_numbered(),
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

"""The units people say, for unit conversion: spoken forms → a canonical name → a ``pint`` unit.

The interpreter needs the words without loading ``pint`` (seconds to start); the conversion skill
hands the ``pint`` name to ``pint``, which does the arithmetic. Currencies are not units here:
"5 dollars in euros" needs today's rates and goes to the cloud.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    """Canonical, singular, as said: ``kilometer``, ``fluid ounce``, ``fahrenheit``."""
    pint: str
    """The unit as ``pint`` spells it."""
    kind: str
    """What it measures; only units of one kind convert into each other."""
    spoken: tuple[str, ...]
    """Other ways to say it (plurals, British spellings, abbreviations)."""


def _u(name: str, pint: str, kind: str, *spoken: str) -> Unit:
    return Unit(name, pint, kind, spoken)


UNITS: tuple[Unit, ...] = (
    _u("millimeter", "millimeter", "length", "millimeters", "millimetre", "millimetres", "mm"),
    _u("centimeter", "centimeter", "length", "centimeters", "centimetre", "centimetres", "cm"),
    _u("meter", "meter", "length", "meters", "metre", "metres"),
    _u("kilometer", "kilometer", "length", "kilometers", "kilometre", "kilometres", "km", "kms"),
    _u("inch", "inch", "length", "inches"),
    _u("foot", "foot", "length", "feet", "ft"),
    _u("yard", "yard", "length", "yards"),
    _u("mile", "mile", "length", "miles"),
    _u("nautical mile", "nautical_mile", "length", "nautical miles"),
    _u("milligram", "milligram", "mass", "milligrams", "mg"),
    _u("gram", "gram", "mass", "grams", "g"),
    _u("kilogram", "kilogram", "mass", "kilograms", "kilo", "kilos", "kg", "kgs"),
    _u("ounce", "ounce", "mass", "ounces", "oz"),
    _u("pound", "pound", "mass", "pounds", "lb", "lbs"),
    _u("stone", "stone", "mass", "stones"),
    _u("metric ton", "metric_ton", "mass", "metric tons", "tonne", "tonnes"),
    _u("milliliter", "milliliter", "volume", "milliliters", "millilitre", "millilitres", "ml"),
    _u("liter", "liter", "volume", "liters", "litre", "litres"),
    _u("teaspoon", "teaspoon", "volume", "teaspoons", "tsp"),
    _u("tablespoon", "tablespoon", "volume", "tablespoons", "tbsp"),
    _u("fluid ounce", "fluid_ounce", "volume", "fluid ounces", "fl oz"),
    _u("cup", "cup", "volume", "cups"),
    _u("pint", "pint", "volume", "pints"),
    _u("quart", "quart", "volume", "quarts"),
    _u("gallon", "gallon", "volume", "gallons"),
    _u("celsius", "degree_Celsius", "temperature", "centigrade"),
    _u("fahrenheit", "degree_Fahrenheit", "temperature"),
    _u("kelvin", "kelvin", "temperature", "kelvins"),
    _u("second", "second", "time", "seconds", "sec", "secs"),
    _u("minute", "minute", "time", "minutes", "min", "mins"),
    _u("hour", "hour", "time", "hours"),
    _u("day", "day", "time", "days"),
    _u("week", "week", "time", "weeks"),
    _u("mile per hour", "mile / hour", "speed", "miles per hour", "mph", "miles an hour"),
    _u("kilometer per hour", "kilometer / hour", "speed", "kilometers per hour",
       "kilometres per hour", "km/h", "kph", "kilometers an hour", "kilometres an hour"),
    _u("meter per second", "meter / second", "speed", "meters per second",
       "metres per second"),
    _u("knot", "knot", "speed", "knots"),
    _u("square meter", "meter ** 2", "area", "square meters", "square metre", "square metres"),
    _u("square foot", "foot ** 2", "area", "square feet"),
    _u("square kilometer", "kilometer ** 2", "area", "square kilometers", "square kilometres"),
    _u("square mile", "mile ** 2", "area", "square miles"),
    _u("acre", "acre", "area", "acres"),
    _u("hectare", "hectare", "area", "hectares"),
    _u("kilobyte", "kilobyte", "data", "kilobytes", "kb"),
    _u("megabyte", "megabyte", "data", "megabytes", "mb"),
    _u("gigabyte", "gigabyte", "data", "gigabytes", "gb"),
    _u("terabyte", "terabyte", "data", "terabytes", "tb"),
    _u("calorie", "kilocalorie", "energy", "calories", "kilocalorie", "kilocalories", "kcal"),
    _u("kilojoule", "kilojoule", "energy", "kilojoules", "kj"),
)  # fmt: skip

BY_NAME = {unit.name: unit for unit in UNITS}
_BY_SPOKEN = {form: unit for unit in UNITS for form in (unit.name, *unit.spoken)}
_DEGREES = re.compile(r"^(?:degrees?|deg) (?=celsius|fahrenheit|centigrade|kelvin)")

SPOKEN = "|".join(sorted((re.escape(form) for form in _BY_SPOKEN), key=len, reverse=True))
"""Regex source matching any spoken unit (without "degrees")."""
WORDS = frozenset(word for form in _BY_SPOKEN for word in form.split())
"""Every word of a spoken unit: a cheap trigger for the interpreter."""


def unit(spoken: str) -> Unit | None:
    """The unit ``spoken`` names ("kms", "degrees fahrenheit"), or ``None``."""
    return _BY_SPOKEN.get(_DEGREES.sub("", spoken.strip()))

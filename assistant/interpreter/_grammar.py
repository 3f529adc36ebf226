"""Phrases for vosk's runtime grammar: every fixed-form local command, numbers spelled out.

Free-text intents (notes, list items, typing) cannot be enumerated; they reach the interpreter
through the free-form recognizer instead.
"""

from __future__ import annotations

import re
from functools import cache

# Number → words, for generating phrases only; parsing numbers is text2num's job.
_ONES = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def spell(number: int) -> str:
    """``number`` (0 to 100) in English words: 42 → "forty two"."""
    if number == 100:
        return "one hundred"
    if number < 20:
        return _ONES[number]
    tens, ones = divmod(number, 10)
    return _TENS[tens] if ones == 0 else f"{_TENS[tens]} {_ONES[ones]}"


_FIXED = """
what time is it|what's the time|tell me the time|what time is it now|what's the current time
what's the date|what's today's date|what day is it|what day is it today|what is the date today
set a timer for half an hour|set a timer for an hour|set a timer for a minute
set a timer for an hour and a half|set a timer for a minute and a half
cancel the timer|stop the timer|cancel all timers|stop all timers|delete the timer
pause the timer|pause my timer|resume the timer|resume my timer|continue the timer
how much time is left|how much time is left on the timer|how long is left on the timer|timer status
what timers do i have|how much longer
volume up|volume down|turn it up|turn it down|turn the volume up|turn the volume down|louder
quieter|turn it up a lot|turn it down a lot|a little louder|a little quieter|mute|unmute
mute the sound|unmute the sound|max volume|set the volume to maximum
pause|pause the music|stop the music|resume|resume the music|play|continue playing|next
next song|next track|skip|skip this song|previous|previous song|previous track|go back
how is the computer doing|system status|cpu usage|what's the cpu usage|memory usage
how much memory is free|battery level|how much battery is left|disk space
how much disk space is left
read my notes|what are my notes|show my notes
what's on my shopping list|what's on my to do list|read my shopping list|show my to do list
what's on the list|read my list
stop|never mind|be quiet|shut up|cancel|forget it|stop talking|that's enough
say that again|repeat that|what did you say|come again|repeat
yes|yeah|yes please|sure|confirm|go ahead|do it|correct|okay
no|nope|no thanks|don't|cancel that|not now
what alarms do i have|when is my alarm|list my alarms|cancel the alarm|cancel all alarms
delete all alarms|turn off the alarm|stop the alarm|snooze|snooze the alarm
how many days until christmas|how long until christmas|what day is thanksgiving this year
how many days until halloween|when is easter|how long until new year's eve|when is thanksgiving
how many days until new year|how many cups in a liter|how many ounces in a cup
how many teaspoons in a tablespoon|how many feet in a mile|how many grams in a pound
how many tablespoons in a cup|how many inches in a foot|how many centimeters in an inch
flip a coin|toss a coin|heads or tails|roll a die|roll the dice|roll two dice|roll three dice
roll a six sided die|roll a twenty sided die|tell me a joke|tell me another joke|make me laugh
do you know any jokes|hello|hi|hi there|good morning|good afternoon|good evening|thank you
thanks|thank you so much|thanks a lot|good night|goodbye|bye|see you later|see you tomorrow
who made you|who are you|what are you|are you a robot|what's your name|are you human
how do you spell necessary|how do you spell separate|how do you spell definitely
"""


_CITIES = (
    "tokyo", "london", "paris", "new york", "los angeles", "chicago", "sydney", "berlin",
    "moscow", "beijing", "dubai", "mumbai", "singapore", "hong kong", "toronto", "mexico city",
)  # fmt: skip
_CONVERSIONS = (
    ("miles", "kilometers"), ("kilometers", "miles"), ("pounds", "kilograms"),
    ("kilograms", "pounds"), ("feet", "meters"), ("meters", "feet"), ("inches", "centimeters"),
    ("cups", "milliliters"), ("liters", "gallons"), ("gallons", "liters"), ("ounces", "grams"),
)  # fmt: skip


def _numbered() -> list[str]:
    phrases: list[str] = []
    for n in range(1, 61):
        unit = "minute" if n == 1 else "minutes"
        phrases += [f"set a timer for {spell(n)} {unit}", f"{spell(n)} minute timer"]
    for n in (5, 10, 15, 20, 30, 40, 45, 50, 90):
        phrases.append(f"set a timer for {spell(n)} seconds")
    for n in range(1, 13):
        phrases.append(f"set a timer for {spell(n)} {'hour' if n == 1 else 'hours'}")
    for n in range(1, 11):
        unit = "minute" if n == 1 else "minutes"
        phrases += [f"add {spell(n)} {unit} to the timer", f"add {spell(n)} more {unit}"]
    for hour in range(1, 13):
        for meridiem in ("am", "pm"):
            phrases += [
                f"set an alarm for {spell(hour)} {meridiem}",
                f"wake me up at {spell(hour)} {meridiem}",
                f"set an alarm for {spell(hour)} thirty {meridiem}",
                f"cancel my {spell(hour)} {meridiem} alarm",
            ]
        phrases += [
            f"set an alarm for {spell(hour)} {meridiem} tomorrow" for meridiem in ("am", "pm")
        ]
    phrases += [f"snooze for {spell(n)} minutes" for n in (5, 10, 15)]
    for city in _CITIES:
        phrases += [f"what time is it in {city}", f"what's the time in {city}"]
    for source, target in _CONVERSIONS:
        phrases += [f"convert {spell(n)} {source} to {target}" for n in (2, 5, 10, 100)]
    phrases += [f"{spell(n)} degrees fahrenheit in celsius" for n in range(0, 101, 10)]
    phrases += [f"{spell(n)} degrees celsius in fahrenheit" for n in range(0, 41, 5)]
    phrases += [f"set the volume to {spell(n)}" for n in range(101)]
    phrases += [f"volume {spell(n)}" for n in range(0, 101, 10)]
    for a in range(13):
        for b in range(13):
            phrases += [
                f"what is {spell(a)} plus {spell(b)}",
                f"what is {spell(a)} times {spell(b)}",
            ]
            phrases.append(f"what is {spell(a)} minus {spell(b)}")
            if b:
                phrases.append(f"what is {spell(a)} divided by {spell(b)}")
    return phrases


@cache
def _phrases() -> tuple[str, ...]:
    fixed = [p for line in _FIXED.strip().splitlines() for p in line.split("|")]
    return tuple(dict.fromkeys(fixed + _numbered()))


def grammar_phrases() -> list[str]:
    """Lowercase phrases, numbers as words, each of which ``interpret`` turns into an intent."""
    return list(_phrases())


def grammar_words() -> list[str]:
    """The sorted, unique vocabulary of ``grammar_phrases()``."""
    return sorted({word for phrase in _phrases() for word in re.split(r"\s+", phrase)})

"""Slots for intents the learned tier names: per-intent extractors and answers to questions."""

from __future__ import annotations

import pytest

from assistant.interpreter.extractors import Filled, answer, fill, question
from models import Intent


def _slots(name: str, text: str) -> dict[str, object] | None:
    filled = fill(name, text)
    return None if filled is None or filled.missing else dict(filled.intent.slots)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("volume.change", "raise the volume to fifty", ("volume.set", {"level": 50})),
        ("volume.set", "make the sound level 30 please", ("volume.set", {"level": 30})),
        ("volume.change", "it's too loud", ("volume.change", {"delta": -10})),
        ("volume.change", "louder by 20", ("volume.change", {"delta": 20})),
        (
            "list.remove",
            "take eggs off the grocery list",
            ("list.remove", {"item": "eggs", "list": "shopping"}),
        ),
        (
            "list.add",
            "have bananas to my shopping list",
            ("list.add", {"item": "bananas", "list": "shopping"}),
        ),
        (
            "list.add",
            "put mopping on my list of things to do",
            ("list.add", {"item": "mopping", "list": "todo"}),
        ),
        ("list.show", "what items are on my shopping list", ("list.show", {"list": "shopping"})),
        (
            "math.eval",
            "what is the answer to two plus two",
            ("math.eval", {"expression": "2 + 2", "result": 4}),
        ),
        ("timer.start", "start at fifteen minute timer", ("timer.start", {"duration_s": 900})),
        ("timer.adjust", "take two minutes off the timer", ("timer.adjust", {"delta_s": -120})),
        ("system.status", "how much battery have i got", ("system.status", {"aspect": "battery"})),
        ("alarm.set", "wake me up at 7 30 pm", ("alarm.set", {"time": "19:30"})),
        ("time.now", "show me the time", ("time.now", {})),
        (
            "math.eval",
            "divide one thousand five hundred by one hundred and sixty",
            ("math.eval", {"expression": "1500 / 160", "result": 9.375}),
        ),
        (
            "math.eval",
            "four divided by two equals two",
            ("math.eval", {"expression": "4 / 2", "result": 2}),
        ),
        ("list.show", "show list items", ("list.show", {"list": "shopping"})),
        (
            "weather.forecast",
            "will it rain on thursday in leeds",
            ("weather.forecast", {"when": "thursday", "place": "leeds"}),
        ),
        ("weather.forecast", "is it cold tonight", ("weather.forecast", {"when": "today"})),
    ],
)
def test_extractors_find_the_slots(
    name: str, text: str, expected: tuple[str, dict[str, object]]
) -> None:
    """Each intent's extractor reads its slots from the words, numbers as digits or words."""
    filled = fill(name, text)
    assert filled is not None
    assert filled.missing is None
    assert (filled.intent.name, dict(filled.intent.slots)) == expected


@pytest.mark.parametrize(
    ("text", "expression", "result"),
    [
        ("what is the sum of eleven and ten", "11 + 10", 21),
        ("what is the sum of 3, 7, 9, and 24", "3 + 7 + 9 + 24", 43),
        ("add up 8 and 7", "8 + 7", 15),
        (
            "what is the average of 54, 23, 43, 12, and 442",
            "( 54 + 23 + 43 + 12 + 442 ) / 5",
            114.8,
        ),
        ("can you subract 36 from 5", "5 - 36", -31),
        ("how many times can 3 be divided into 1253", "1253 / 3", 417.6666666667),
        ("what is 25% of $54", "25 % of 54", 13.5),
    ],
)
def test_sums_averages_and_divisions_said_in_words(
    text: str, expression: str, result: float
) -> None:
    """Sums and averages of spoken lists, a misspelt subtraction and a "goes into" are computed."""
    assert _slots("math.eval", text) == {"expression": expression, "result": result}


@pytest.mark.parametrize(
    "text", ["what time will my alarm wake me up", "can you tell me which alarms are on"]
)
def test_a_question_about_alarms_lists_them(text: str) -> None:
    """An alarm request asked as a question, with no time to set, lists the alarms."""
    filled = fill("alarm.set", text)
    assert filled == Filled(Intent("alarm.list", {}))


@pytest.mark.parametrize(
    ("name", "text", "time"),
    [
        ("alarm.set", "wake me up at 7.30 at m.", "07:30"),
        ("alarm.set", "set an alarm for 7 30 a m", "07:30"),
        ("alarm.set", "alarm at 7.30 p.m.", "19:30"),
        ("alarm.set", "set an alarm for half past six", "06:30"),
        ("alarm.set", "wake me at six in the morning", "06:00"),
        ("alarm.cancel", "cancel my 7.30 at m. alarm", "07:30"),
    ],
)
def test_alarm_times_are_read_as_whisper_writes_them(name: str, text: str, time: str) -> None:
    """ "7:30 a.m." misheard as "7.30 at m." keeps its minutes and its morning."""
    filled = fill(name, text)
    assert filled is not None
    assert filled.missing is None
    assert filled.intent.slots["time"] == time


@pytest.mark.parametrize(
    ("name", "text"),
    [("volume.mute", "mute for twenty minutes"), ("media.pause", "pause for an hour")],
)
def test_a_timed_mute_or_pause_is_forwarded(name: str, text: str) -> None:
    """The edge cannot mute "for twenty minutes": it forwards rather than mutes for ever."""
    assert fill(name, text) is None


def test_intents_without_an_extractor_are_forwarded() -> None:
    """A unit conversion has no extractor on the edge yet, so the cloud gets it."""
    assert fill("convert.units", "how many cups in a liter") is None
    assert fill("math.eval", "what's his number") is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("weather.forecast", "forecast for the next three days"),
        ("alarm.set", "set an alarm for 7 am every weekday"),
        ("alarm.set", "wake me at six on friday"),
    ],
)
def test_what_the_slots_cannot_say_is_forwarded(name: str, text: str) -> None:
    """A week's forecast or a repeating alarm needs slots these extractors do not read."""
    assert fill(name, text) is None


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("volume.change", "turn the music down and tell me who is singing"),
        ("timer.start", "set a timer for ten minutes and then play some jazz"),
        ("assistant.repeat", "can you explain what you just said"),
        ("assistant.repeat", "say that again but louder"),
    ],
)
def test_what_the_edge_would_only_half_do_is_forwarded(name: str, text: str) -> None:
    """A second request in the sentence, or "again, but differently", goes to the cloud whole."""
    assert fill(name, text) is None


def test_a_plain_repeat_and_a_list_of_two_items_stay_local() -> None:
    """ "and" alone is no second request: "eggs and milk" is one item, "say that again" runs."""
    assert fill("assistant.repeat", "say that again") == Filled(Intent("assistant.repeat", {}))
    assert _slots("list.add", "add eggs and milk to my list") == {
        "item": "eggs and milk",
        "list": "shopping",
    }


def test_an_address_book_is_not_a_list_here() -> None:
    """ "Add this email to my contact list" is the address book's business, not a list's."""
    assert fill("list.add", "add this email to my contact list") is None


@pytest.mark.parametrize(
    ("name", "text", "missing", "asked"),
    [
        ("list.add", "add to my shopping list", "item", "Add what to your shopping list?"),
        (
            "list.remove",
            "remove that item from my to do list",
            "item",
            "Remove what from your to-do list?",
        ),
        ("timer.start", "please run a timer for me", "duration_s", "For how long?"),
        ("math.eval", "help me with some math", "expression", "What should I calculate?"),
        ("note.add", "take a note", "text", "What should the note say?"),
    ],
)
def test_a_missing_required_slot_is_asked_for(
    name: str, text: str, missing: str, asked: str
) -> None:
    """Without its required slot the intent asks instead of guessing."""
    filled = fill(name, text)
    assert filled is not None
    assert filled.missing == missing
    assert question(filled) == asked


@pytest.mark.parametrize(
    ("filled", "said", "expected"),
    [
        (
            Filled(Intent("list.add", {"list": "shopping"}), "item"),
            "Oat milk",
            {"item": "oat milk", "list": "shopping"},
        ),
        (Filled(Intent("timer.start", {}), "duration_s"), "ten minutes", {"duration_s": 600}),
        (Filled(Intent("volume.set", {}), "level"), "fifty", {"level": 50}),
        (
            Filled(Intent("math.eval", {}), "expression"),
            "six times seven",
            {"expression": "6 * 7", "result": 42},
        ),
    ],
)
def test_the_answer_fills_the_missing_slot(
    filled: Filled, said: str, expected: dict[str, object]
) -> None:
    """The user's answer becomes the slot that was asked for."""
    completed = answer(filled, said)
    assert completed is not None
    assert dict(completed.slots) == expected


def test_an_answer_that_does_not_fit_is_refused() -> None:
    """ "banana" is no duration: the question is dropped rather than a timer guessed."""
    assert answer(Filled(Intent("timer.start", {}), "duration_s"), "banana") is None

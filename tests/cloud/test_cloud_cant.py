"""What Jarvis says when it cannot do something: short, with one related offer; the whole list
by domain only for "what can you do"."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cloud_helpers import CloudFactory

from cloud.capabilities.answer import Answer
from cloud.capabilities.planners import RulePlanner
from cloud.planning.cant import FALLBACK, HELP_TEXT, MAX_WORDS, NOT_CAUGHT, TOPICS, cant_reply
from cloud.planning.planner import PlanContext
from cloud.time_phrases import normalize
from models import Utterance, new_id

CLINC150 = Path(__file__).parents[2] / ".." / "shared" / "data" / "clinc150" / "data_full.json"


def _words(text: str) -> int:
    return len(text.split())


async def _plan(text: str) -> Any:
    utterance = Utterance(id=new_id(), text=text, trace_id=new_id())
    return await RulePlanner().plan(utterance, PlanContext(datetime.now(UTC), ["kitchen pi"]))


@pytest.mark.parametrize(
    ("text", "start", "offer"),
    [
        ("is it humid in Paris today", "I can't answer that about the weather", "reminder"),
        ("send an email to my boss", "I can't send or read messages", "remind you"),
        ("order more coffee pods", "I can't order things", "shopping list"),
        ("turn on the kitchen lights", "I can't work that part of your house", "remind you"),
        ("play some jazz", "I can't choose what to play", "pause, resume or skip"),
        ("what is the capital of peru", "Sorry, I can't do that yet", "what can you do"),
    ],
)
async def test_a_cant_is_one_short_sentence_and_one_offer(
    text: str, start: str, offer: str
) -> None:
    """What was not possible, then one related thing Jarvis can do, under 25 words."""
    answer = await _plan(text)
    assert isinstance(answer, Answer)
    assert answer.text.startswith(start)
    assert offer in answer.text
    assert _words(answer.text) < MAX_WORDS
    assert answer.text.count(".") == 2  # two sentences: the "can't", the offer


async def test_misheard_words_are_asked_again_not_refused() -> None:
    """Words the edge's whisper doubted that nothing can do were most likely misheard: Jarvis
    asks for them again instead of refusing what was never said. Doubted words the cloud can do
    are still done, and words heard clearly still get the "can't"."""
    utterance = Utterance(id=new_id(), text="send an email to my boss", trace_id=new_id())
    context = PlanContext(datetime.now(UTC), ["kitchen pi"])
    for doubted, expected in ((True, NOT_CAUGHT), (False, cant_reply(normalize(utterance.text)))):
        answer = await RulePlanner().plan(replace(utterance, words_doubted=doubted), context)
        assert isinstance(answer, Answer)
        assert (answer.text, answer.unknown) == (expected, True)
    reminder = replace(utterance, text="remind me in 10 minutes to call mum", words_doubted=True)
    done = await RulePlanner().plan(reminder, context)
    assert not (isinstance(done, Answer) and done.unknown)


def test_every_cant_sentence_is_short() -> None:
    """Every topic's reply and the fallback stay under 25 words and offer something."""
    for sentence in [topic.sentence for topic in TOPICS] + [FALLBACK]:
        assert _words(sentence) < MAX_WORDS, sentence
        assert "I can" in sentence.split(". ", 1)[1] or "what can you do" in sentence


@pytest.mark.skipif(not CLINC150.exists(), reason="CLINC150 is not in ../shared/data")
async def test_no_out_of_scope_request_gets_a_speech() -> None:
    """Every out-of-scope request of CLINC150's test set that the cloud answers gets a short
    sentence, and none gets the list of everything Jarvis can do."""
    data = json.loads(CLINC150.read_text(encoding="utf-8"))
    answered = 0
    for text, _label in data["oos_test"]:
        answer = await _plan(text)
        if isinstance(answer, Answer):
            answered += 1
            assert _words(answer.text) < MAX_WORDS, text
            assert answer.text != HELP_TEXT
    assert answered > 900


@pytest.mark.parametrize("text", ["what can you do", "Help", "what can you do for me?"])
async def test_what_can_you_do_answers_by_domain(text: str) -> None:
    """The whole picture comes only here, in a few short sentences grouped by domain."""
    answer = await _plan(text)
    assert answer == Answer(HELP_TEXT)
    for domain in (
        "timers and alarms",
        "the time and dates",
        "lists and notes",
        "maths and conversions",
        "volume and music",
        "reminders",
        "missions on your devices",
        "the weather",
        "your house",
    ):
        assert domain in HELP_TEXT
    sentences = [part for part in HELP_TEXT.split(". ") if part]
    assert len(sentences) <= 6
    assert all(_words(sentence) <= MAX_WORDS for sentence in sentences)


async def test_the_cloud_answers_a_cant_briefly_over_http(clouds: CloudFactory) -> None:
    """A real cloud, asked over POST /v1/requests to do what it cannot (send a message),
    answers the short sentence."""
    cloud = await clouds.start()
    device_id, token = await clouds.enroll("kitchen pi")
    headers = {"Authorization": f"Bearer {token}"}
    text = "send a text to my sister"
    utterance = Utterance(id=new_id(), text=text, trace_id=new_id(), device_id=device_id)
    async with aiohttp.ClientSession(headers=headers) as session:
        url = f"{cloud.url}/v1/requests"
        async with session.post(url, json={"utterance": utterance.to_wire()}) as response:
            assert response.status == 202
        async with session.get(f"{url}/{utterance.id}/reply") as response:
            reply = await response.json()
    assert reply["text"] == cant_reply(normalize(text))
    assert reply["text"].startswith("I can't send or read messages.")

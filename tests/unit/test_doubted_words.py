"""Words the recognizer doubted (whisper's mean token probability under its line) need a sure
guess of the learned tier; the doubt travels with the words to the cloud. The real packaged
model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant import replies
from assistant.audio.endpointing import Endpointer, EnergyDetector
from assistant.audio.wake_word import Woke
from assistant.stt import Transcript, words_doubted
from assistant.testing import FakeCloudLink, conversation_for_tests
from assistant.understander import Understander
from assistant.wake_gate import AfterWake, Wake
from models import Intent
from understanding import IntentModel
from understanding.doubted_words import (
    DOUBTED_BELOW,
    DOUBTED_BELOW_AFTER_WAKE,
    DOUBTED_THRESHOLD,
    doubted,
    threshold_for,
)

LIKELY = "i need to know what time it is"
"""The model's guess, time.now, sits between its threshold and the bar for doubted words; no
template and no repair of a misheard command claims it."""
SURE = "Start at fifteen minute timer"
"""timer.start above the bar for doubted words."""
UNPHRASED = "put eggs down for shopping"
"""The model's list.add, between its threshold and the bar, with an item ("eggs down for
shopping") that no grammar phrase says: never asked about, so doubted it goes to the cloud."""


def test_the_line_depends_on_how_whisper_decoded() -> None:
    """Told the wake phrase came first, whisper reads surer of the same words: a higher line."""
    assert DOUBTED_BELOW < DOUBTED_BELOW_AFTER_WAKE
    assert not doubted(None)
    assert not doubted(None, after_wake=True)
    between = (DOUBTED_BELOW + DOUBTED_BELOW_AFTER_WAKE) / 2
    assert (doubted(between), doubted(between, after_wake=True)) == (False, True)
    assert doubted(DOUBTED_BELOW - 0.01)
    assert not doubted(DOUBTED_BELOW)


def test_the_rule_is_light_to_import() -> None:
    """The edge's turns and the cloud's "can't" import the rule: that must not load the model's
    numpy and onnxruntime (the package loads its classes only when asked for them)."""
    probe = (
        "import sys, understanding.doubted_words; "
        "print(sorted({'numpy', 'onnxruntime'} & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr
    from understanding import IntentModel as Loaded

    assert Loaded.__module__ == "understanding.classifier"


def test_the_bar_rises_only_for_doubted_words() -> None:
    assert threshold_for(0.65, False) == 0.65
    assert threshold_for(0.65, True) == DOUBTED_THRESHOLD
    assert threshold_for(0.99, True) == 0.99  # never lowered


def test_the_sentences_sit_where_the_tests_need_them(
    understander: Understander, model: IntentModel
) -> None:
    likely, sure = model.best(LIKELY), model.best(SURE)
    assert model.threshold <= likely.confidence < DOUBTED_THRESHOLD
    assert sure.confidence >= DOUBTED_THRESHOLD
    unphrased = model.best(UNPHRASED)
    assert model.threshold <= unphrased.confidence < DOUBTED_THRESHOLD
    for text in (LIKELY, SURE, UNPHRASED):
        assert understander.templates(text) is None
        assert understander.spoken_repair(text) is None


@pytest.mark.parametrize(("spoken", "doubt", "expected"), [
    (False, False, "time.now"), (True, False, "time.now"), (True, True, None),
])  # fmt: skip
async def test_a_likely_guess_is_taken_unless_the_words_were_doubted(
    understander: Understander, spoken: bool, doubt: bool, expected: str | None
) -> None:
    """Typed, or heard clearly, the sentence is time.now; heard with doubt, it is not acted on,
    but the guess is kept to be offered back ("did you mean …?")."""
    understood = await understander.understand(LIKELY, spoken=spoken, words_doubted=doubt)
    assert (understood.intent.name if understood.intent else None) == expected
    assert understood.tier == ("model" if expected else None)
    assert understood.declined == (None if expected else Intent("time.now", {}))


def test_a_sure_guess_is_taken_from_doubted_words(understander: Understander) -> None:
    understood = understander.understand_now(SURE, spoken=True, words_doubted=True)
    assert understood.intent is not None
    assert (understood.intent.name, dict(understood.intent.slots)) == (
        "timer.start",
        {"duration_s": 900},
    )


def test_only_whispers_confidence_counts() -> None:
    """vosk's word confidences are on another scale: they never doubt the words."""
    low = DOUBTED_BELOW - 0.1
    assert words_doubted(Transcript("mute", "whisper", low, 1.0, 1.0))
    assert not words_doubted(Transcript("mute", "whisper", DOUBTED_BELOW, 1.0, 1.0))
    assert words_doubted(Transcript("mute", "whisper", DOUBTED_BELOW, 1.0, 1.0), after_wake=True)
    assert not words_doubted(Transcript("mute", "vosk", low, 1.0, 1.0))
    assert not words_doubted(Transcript("mute", "vosk-grammar", low, 1.0, 1.0))


def test_after_the_wake_word_knows_whether_whisper_was_told_the_phrase() -> None:
    """The first utterance after a wake opens with the phrase (whisper is told so); a follow-up
    heard without the wake word is decoded on its own."""
    endpointer = Endpointer(EnergyDetector())
    wake = Wake(Woke(at_s=1.0, score=1.0, verifier_score=1.0), b"", 0.5)
    woke = AfterWake("hey jarvis", wake, endpointer)
    assert woke.said_first == "hey jarvis"
    assert woke.command("Hey Jarvis, what time is it?") == "what time is it?"
    assert woke.phrase_told
    assert woke.command("and the date") == "and the date"
    assert not woke.phrase_told
    follow_up = AfterWake("hey jarvis", None, endpointer)
    assert follow_up.command("what time is it") == "what time is it"
    assert not follow_up.phrase_told


async def test_doubted_words_go_to_the_cloud_with_their_doubt(
    tmp_path: Path, understander: Understander
) -> None:
    """The forwarded utterance says the recognizer doubted it, so that the cloud's second
    chance keeps the edge's bar; typed text and clear words do not."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud, understander=understander) as (
        conversation,
        _,
    ):
        heard = await conversation.submit_spoken(UNPHRASED, words_doubted=True)
        assert (heard.intent, heard.handled_by) == (None, "cloud")
        clear = await conversation.submit_spoken(UNPHRASED)
        assert (clear.intent, clear.handled_by) == ("list.add", "edge")
        await conversation.submit("book me a flight to paris")
    assert [(u.text, u.words_doubted) for u in cloud.forwarded] == [
        (UNPHRASED, True),
        ("book me a flight to paris", False),
    ]


async def test_a_doubted_guess_is_asked_about_and_a_yes_runs_it(
    tmp_path: Path, understander: Understander
) -> None:
    """Doubted words whose guess a grammar phrase says get "Did you mean …?" instead of the
    cloud; a yes runs the guess, a no asks for the words again and that guess is not offered
    again for a while (the words go to the cloud), and anything else is understood as itself."""
    cloud = FakeCloudLink()
    async with conversation_for_tests(tmp_path, cloud=cloud, understander=understander) as (
        conversation,
        _,
    ):
        asked = await conversation.submit_spoken(LIKELY, words_doubted=True)
        assert (asked.intent, asked.handled_by, asked.status) == ("time.now", "edge", "done")
        assert asked.reply == replies.did_you_mean("what time is it")
        yes = await conversation.submit_spoken("yes")
        assert (yes.intent, yes.handled_by) == ("time.now", "edge")
        assert yes.reply is not None
        assert yes.reply.startswith("It's ")

        # A second "yes" has nothing left to confirm.
        again = await conversation.submit_spoken("yes")
        assert again.reply == replies.nothing_to_confirm()

        # Something else instead of an answer drops the question and runs as itself.
        await conversation.submit_spoken(LIKELY, words_doubted=True)
        other = await conversation.submit_spoken("mute")
        assert other.intent == "volume.mute"
        after = await conversation.submit_spoken("yes")
        assert after.reply == replies.nothing_to_confirm()

        # A no: asked again for the words, and the same guess is not offered a second time.
        await conversation.submit_spoken(LIKELY, words_doubted=True)
        no = await conversation.submit_spoken("no")
        assert (no.intent, no.reply) == ("assistant.deny", replies.offer_declined())
        forwarded = await conversation.submit_spoken(LIKELY, words_doubted=True)
        assert (forwarded.intent, forwarded.handled_by) == (None, "cloud")
    assert [(u.text, u.words_doubted) for u in cloud.forwarded] == [(LIKELY, True)]

"""Small things: a coin, dice, a random number, spelling a word, a joke, and greetings, thanks,
goodbyes and questions about Jarvis itself.

Only whole utterances are captured: "hello" is a greeting, "say hello to mom" is not; "spell
necessary" is spelling, "spell check my document" is not.
"""

from __future__ import annotations

from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset(
    {
        *("coin", "heads", "tails", "die", "dice", "roll", "spell", "spelled", "spelling"),
        *("joke", "jokes", "laugh", "funny", "hello", "hi", "hey", "morning", "afternoon"),
        *("evening", "howdy", "greetings", "thank", "thanks", "cheers", "appreciated"),
        *("night", "goodbye", "bye", "later", "you", "your", "yourself", "robot"),
        *("number",),
    }
)

_COIN = compile_all(
    r"(?:(?:flip|toss) (?:a |the |me a )?coin|coin (?:flip|toss)|heads or tails)(?: for me)?",
    r"(?:let's |lets )?(?:do a |make a )?(?:coin (?:flip|toss)|(?:flip|toss) a coin)",
)
_SIDES = r"(?:(?:a |an )?(?P<sides>\d{1,3})[ -]?sided |d(?P<dsides>\d{1,3}) ?|(?:a |the |some )?)"
_DICE = compile_all(
    rf"(?:roll|throw|toss)(?: me)? (?:(?P<count>\d{{1,2}}) )?{_SIDES}(?:dice|die|dies)",
    r"(?:roll|throw) (?:a |one )?d(?P<d>\d{1,3})",
    r"(?:roll|throw) (?P<count2>\d{1,2}) d(?P<d2>\d{1,3})s?",
)
_BOUNDS = (
    r"(?: (?:between|from) (?:a |one )?(?P<low>\d{1,9}) (?:and|to|through) (?:a |one )?"
    r"(?P<high>\d{1,9}))?"
)
_PICK = r"(?:pick|choose|give me|get me|think of|generate|come up with)"
_NUMBER = compile_all(
    rf"(?:(?:can|could|would) you |please )?{_PICK} (?:a|one|me a) (?:random )?number{_BOUNDS}"
    r"(?: for me)?(?: please)?",
    rf"(?:a )?random number{_BOUNDS}(?: please)?",
)
_WORD = r"(?P<word>[a-z][a-z']{1,39})"
_NOT_WORDS = frozenset({"it", "that", "this", "them", "check", "checker", "out", "me", "something"})
_SPELL = compile_all(
    rf"how (?:do you|do i|to|would you|should i|does one) spell(?: the word)? {_WORD}",
    rf"spell(?: the word| out)? {_WORD}(?: for me)?",
    rf"how (?:is|do you spell) (?:the word )?{_WORD} (?:spelled|spelt)",
    rf"(?:{WHATS} )?the spelling (?:of|for)(?: the word)? {_WORD}",
    rf"can you spell {_WORD}",
)
_JOKE = compile_all(
    r"(?:tell|give) (?:me |us )?(?:a |the |that |your |another |one more |some |any )?"
    r"(?:good |best |funny |random |new )?"
    r"jokes?",
    r"(?:do you )?know any (?:good )?jokes|make me laugh|i want to hear a joke|joke",
    r"(?:say|tell me) (?:a |another )?(?:funny )?joke(?: please)?|got any jokes",
)
_GREETING = compile_all(
    # A bare "hey" is left alone: "hey jarvis" with nothing after it is only the wake word.
    r"(?:hello|hi|howdy|greetings|hiya)(?: there| again| everyone)?|hey there",
    r"(?:good )?(?:morning|afternoon|evening|day)(?: to you)?",
)
_THANKS = compile_all(
    r"(?:thanks?(?: you)?(?: (?:so|very) much| a lot| a bunch| again| kindly)?|thank you)"
    r"(?: for (?:the|your|all the) help| for that| for everything)?",
    r"cheers|(?:much|greatly) appreciated|many thanks|thanks a million|ta",
)
_GOODBYE = compile_all(
    r"(?:good ?bye|bye(?: bye)?|bye for now|farewell|good night|night night|nighty night)"
    r"(?: then| for now| for today)?",
    r"(?:see you|see ya|catch you|talk to you|speak to you)(?: later| soon| tomorrow| around)?",
    r"i'm (?:off|going to bed|heading to bed)|i am going to bed|that's all for (?:now|today)",
)
_ABOUT = compile_all(
    r"who (?:made|created|built|designed|programmed|wrote) you",
    r"who (?:are|is) you(?:r (?:maker|creator))?|what are you",
    rf"(?:{WHATS}|tell me) your name|what should i call you|introduce yourself|tell me about "
    r"yourself",
    r"are you (?:a |an )?(?:robot|bot|human|person|real|machine|computer|ai|artificial "
    r"intelligence|real person|human being)",
    r"where (?:do you come|are you) from",
)


def _number(said: str | None) -> int | None:
    return None if said is None else int(said)


def _dice(text: str) -> Intent | None:
    for pattern in _DICE:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        groups = found.groupdict()
        count = _number(groups.get("count") or groups.get("count2"))
        sides = _number(groups.get("sides") or groups.get("dsides") or groups.get("d"))
        sides = sides or _number(groups.get("d2"))
        if (count is not None and not 1 <= count <= 20) or (
            sides is not None and not 2 <= sides <= 1000
        ):
            return None
        return intent(names.RANDOM_DICE, sides=sides, count=count)
    return None


def _random_number(text: str) -> Intent | None:
    for pattern in _NUMBER:
        found = pattern.fullmatch(text)
        if found is not None:
            low, high = _number(found["low"]), _number(found["high"])
            return intent(names.RANDOM_NUMBER, low=low, high=high)
    return None


def _spell(text: Text) -> Intent | None:
    for pattern in _SPELL:
        found = pattern.fullmatch(text.lower)
        if found is not None and found["word"] not in _NOT_WORDS:
            return intent(names.SPELL_WORD, word=found["word"])
    return None


def match(text: Text) -> Intent | None:
    """A small-talk intent, or ``None``."""
    lower = text.lower
    for name, patterns in (
        (names.RANDOM_COIN, _COIN),
        (names.JOKE_TELL, _JOKE),
        (names.CHITCHAT_GREETING, _GREETING),
        (names.CHITCHAT_THANKS, _THANKS),
        (names.CHITCHAT_GOODBYE, _GOODBYE),
        (names.CHITCHAT_ABOUT, _ABOUT),
    ):
        if any(p.fullmatch(lower) for p in patterns):
            return intent(name)
    return _dice(text.digits) or _random_number(text.digits) or _spell(text)


GRAMMAR = phrases(
    "flip a coin|toss a coin|heads or tails|roll a die|roll the dice|roll two dice",
    "roll three dice|roll a six sided die|roll a twenty sided die|tell me a joke",
    "tell me another joke|make me laugh",
    "do you know any jokes|hello|hi|hi there|good morning|good afternoon|good evening|thank you",
    "thanks|thank you so much|thanks a lot|good night|goodbye|bye|see you later|see you tomorrow",
    "who made you|who are you|what are you|are you a robot|what's your name|are you human",
    "how do you spell necessary|how do you spell separate|how do you spell definitely",
    "pick a number between one and ten|pick a number between one and one hundred",
    "pick a random number|give me a random number|random number between one and six",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

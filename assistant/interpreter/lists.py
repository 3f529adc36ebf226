"""Named lists: add, remove, show. The list defaults to ``shopping``; "to do" becomes ``todo``."""

from __future__ import annotations

import re

from assistant.interpreter._common import NAME_WORDS, WHATS, clean_name, compile_all, intent
from assistant.interpreter._grammar import phrases
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"list"})
DEFAULT_LIST = "shopping"

_ALIASES = {
    "to do": "todo",
    "todo": "todo",
    "to-do": "todo",
    "grocery": "shopping",
    "groceries": "shopping",
    "shopping": "shopping",
}
_NOT_OURS = frozenset({"contact", "contacts", "email", "mailing", "address", "phone"})
"""Lists of people and addresses: the address book's business (the cloud's), not a list here."""
_OWNER = r"(?:(?P<owner>my|the|our) )?"
_LIST = rf"{_OWNER}(?:(?P<list>to do|{NAME_WORDS}) )?list"
_ADD = compile_all(rf"(?:add|put|stick|throw|pop) (?P<item>.+?) (?:to|on|onto|in|into) {_LIST}")
_REMOVE = compile_all(
    rf"(?:remove|delete|take|cross|scratch|strike|erase) (?P<item>.+?)(?: off)? (?:off|from|of) "
    rf"{_LIST}"
)
_SHOW = compile_all(
    rf"(?:{WHATS}|what's|what do i have|what have i got|what do we have|what is there) on {_LIST}",
    rf"(?:read|show|tell|give|list|open|check)(?: me)?(?: back)?(?: out)? (?:what's on )?{_LIST}",
    rf"(?:my|the|our) (?:(?P<list>to do|{NAME_WORDS}) )?list|(?P<bare>to do|{NAME_WORDS}) list",
)
_ARTICLE = re.compile(r"^(?:a|an|the|some) ", re.IGNORECASE)


def _list_name(found: re.Match[str]) -> str | None:
    groups = found.groupdict()
    said = groups.get("list") or groups.get("bare")
    if said is None:
        return DEFAULT_LIST
    if said in _ALIASES:
        return _ALIASES[said]
    if _NOT_OURS & set(said.split()):
        return None
    # Only the user's own lists are local: "the best seller list" is a question for the cloud.
    if groups.get("owner") not in ("my", "our"):
        return None
    return clean_name(said)


def _item_rule(name: str, patterns: tuple[re.Pattern[str], ...], text: Text) -> Intent | None:
    for pattern in patterns:
        found = pattern.fullmatch(text.lower)
        if found is None:
            continue
        list_name = _list_name(found)
        # As said ("Ben & Jerry's"); the store compares items without case.
        item = _ARTICLE.sub("", text.span(*found.span("item"))).strip()
        if list_name is None or not item:
            return None
        return intent(name, item=item, list=list_name)
    return None


def match(text: Text) -> Intent | None:
    """A list intent with the ``item`` as said and a lowercase ``list``, or ``None``."""
    lower = text.lower
    found = _item_rule(names.LIST_ADD, _ADD, text) or _item_rule(names.LIST_REMOVE, _REMOVE, text)
    if found is not None:
        return found
    for pattern in _SHOW:
        shown = pattern.fullmatch(lower)
        if shown is not None:
            list_name = _list_name(shown)
            return None if list_name is None else intent(names.LIST_SHOW, list=list_name)
    return None


GRAMMAR = phrases(
    "what's on my shopping list|what's on my to do list|read my shopping list|show my to do list",
    "what's on the list|read my list",
)
"""Phrases for the recognizer's grammar (``assistant.interpreter.grammar_phrases``)."""

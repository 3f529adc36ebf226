"""Finding what a person means in the house: "the kitchen light" → which entities.

Pure and synchronous. Words are matched forgivingly (plurals, a recognizer's near misses such as
"sealing" for "ceiling"), but a choice is never guessed: two candidates are returned as two, and
the caller asks which one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.home_assistant import Entity

CLOSE_ENOUGH = 0.8
"""difflib ratio at which two words are taken as the same (recognizer near misses)."""
STOP_WORDS = frozenset({"the", "my", "our", "a", "an", "all", "of", "in", "on", "at", "please"})
KINDS: dict[str, frozenset[str]] = {
    "light": frozenset({"light"}),
    "lamp": frozenset({"light"}),
    "lighting": frozenset({"light"}),
    "bulb": frozenset({"light"}),
    "fan": frozenset({"fan"}),
    "switch": frozenset({"switch"}),
    "plug": frozenset({"switch"}),
    "socket": frozenset({"switch"}),
    "outlet": frozenset({"switch"}),
    "door": frozenset({"cover", "lock", "binary_sensor"}),
    "blind": frozenset({"cover"}),
    "shade": frozenset({"cover"}),
    "curtain": frozenset({"cover"}),
    "shutter": frozenset({"cover"}),
}
"""Words that name a kind of thing: they match its domain as well as its name."""
PLURALS = frozenset({"lights", "lamps", "bulbs", "fans", "switches", "plugs", "sockets"}) | {
    "outlets"
}
"""A kind said in the plural means every one that matches: "the kitchen lights"."""
HELPERS = frozenset({"input_boolean", "input_number", "input_select", "input_text", "automation"})
"""Domains of the house's own plumbing: never preferred over a real device of the same name."""
_WORD = re.compile(r"[a-z0-9]+")
_SOFT_C = re.compile(r"c(?=[eiy])")
ORDINALS = {"first": 0, "second": 1, "third": 2, "last": -1}


def words(text: str) -> list[str]:
    return [_singular(word) for word in _WORD.findall(text.lower()) if word not in STOP_WORDS]


def _singular(word: str) -> str:
    if word.endswith(("ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _sound(word: str) -> str:
    """A rough spelling of how ``word`` sounds: "ceiling" and "sealing" come closer."""
    return _SOFT_C.sub("s", word).replace("ck", "k").replace("ph", "f")


def _same(said: str, known: str) -> bool:
    if said == known:
        return True
    ratio = difflib.SequenceMatcher(None, _sound(said), _sound(known)).ratio()
    return ratio >= CLOSE_ENOUGH


def entity_words(entity: Entity) -> set[str]:
    """The words a person may use for ``entity``: its name, aliases and room."""
    found = set(words(entity.name)) | set(words(entity.area or ""))
    for alias in entity.aliases:
        found |= set(words(alias))
    return found


def _matches(said: str, entity: Entity, known: set[str]) -> bool:
    kinds = KINDS.get(said)
    if kinds is not None and entity.domain in kinds:
        return True
    return any(_same(said, word) for word in known)


def _phrases(entity: Entity) -> set[str]:
    return {" ".join(words(name)) for name in (entity.name, *entity.aliases)}


@dataclass(frozen=True, slots=True)
class Found:
    """What a phrase names: the entities, and whether the person meant all of them."""

    entities: tuple[Entity, ...]
    every: bool = False
    """Said in the plural or by room ("the kitchen lights"): act on all, no question."""


def resolve(
    entity: str, area: str | None, entities: Iterable[Entity], domains: frozenset[str] | None
) -> Found:
    """The entities ``entity`` (in ``area``) names among those of ``domains`` (``None``: any)."""
    pool = [e for e in entities if domains is None or e.domain in domains]
    if area:
        area_words = words(area)
        pool = [e for e in pool if all(_matches(w, e, entity_words(e)) for w in area_words)]
    said = words(entity)
    plural = any(word in PLURALS for word in _WORD.findall(entity.lower()))
    if not said:
        return Found(tuple(_prefer_devices(pool)), every=True)
    exact = [e for e in pool if " ".join(said) in _phrases(e)]
    if exact:
        return Found(tuple(_prefer_devices(exact)), every=plural)
    rooms = [e for e in pool if e.area and words(e.area) == said]
    if rooms:
        return Found(tuple(_prefer_devices(rooms)), every=True)
    matching = [e for e in pool if all(_matches(w, e, entity_words(e)) for w in said)]
    return Found(tuple(_prefer_devices(matching)), every=plural)


def _prefer_devices(found: Sequence[Entity]) -> list[Entity]:
    devices = [e for e in found if e.domain not in HELPERS]
    return devices or list(found)


def choose(answer: str, candidates: Sequence[Entity]) -> list[Entity]:
    """The candidates an answer to "the X or the Y?" picks: one, all ("both"), or none."""
    said = words(answer)
    if {"both", "every", "them"} & set(said) or answer.strip().lower() in ("all", "all of them"):
        return list(candidates)
    for word, index in ORDINALS.items():
        if word in said and -len(candidates) <= index < len(candidates):
            return [candidates[index]]
    shared = set.intersection(*(entity_words(e) for e in candidates)) if candidates else set()
    scores = []
    for candidate in candidates:
        own = entity_words(candidate) - shared
        scores.append(sum(1 for w in said if any(_same(w, o) for o in own)))
    best = max(scores, default=0)
    if best == 0 or scores.count(best) > 1:
        return []
    return [candidates[scores.index(best)]]

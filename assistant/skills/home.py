"""The house through Home Assistant: the ``home.*`` intents, run on the edge.

The skill learns the house (names, rooms, aliases) from Home Assistant, refreshes it every
minute, and keeps the last copy on disk, so names still resolve while Home Assistant restarts or
before it answers after the edge starts. A name that fits several things is asked back, and the
answer completes the command; what fits nothing is said, with what does exist.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from assistant import replies
from assistant.errors import (
    HomeAssistantAuthError,
    HomeAssistantError,
    HomeAssistantUnavailableError,
)
from assistant.home_assistant import Entity, HomeAssistant, HomeAssistantConfig
from assistant.interpreter.home import HOUSE_NOUNS
from assistant.skills import _slots
from assistant.skills._home_names import choose, entity_words, resolve
from assistant.skills.intent_spec import IntentSpec, spec
from jarvis.tasks import cancel_and_wait
from models import Intent
from models import intent_names as names

log = structlog.get_logger(__name__)

REFRESH_S = 60.0
"""How often the edge re-reads the house's names, rooms and aliases."""
QUESTION_WINDOW_S = 30.0
"""How long an answer to "the X or the Y?" is awaited."""
NAMES_SAID = 4
"""At most this many things are named when nothing matched."""
SWITCHABLE = frozenset({"light", "switch", "fan", "cover", "input_boolean", "media_player"})
DIMMABLE = frozenset({"light", "cover", "fan"})
_VOCABULARY_DOMAINS = frozenset(
    {"light", "switch", "fan", "cover", "media_player", "binary_sensor", "lock"}
)
_STATE_WORDS = {"on": "on", "off": "off", "open": "open", "closed": "closed", "opening": "opening"}
_OPEN_WHEN_ON = frozenset({"door", "garage_door", "window", "opening", "lock"})


@dataclass(frozen=True, slots=True)
class Question:
    """A question asked back: which of ``candidates`` the intent ``name`` meant."""

    name: str
    slots: Mapping[str, str | int | float | bool]
    candidates: tuple[Entity, ...]
    until: float


def config_from(url: str | None, token: str | None) -> HomeAssistantConfig | None:
    """A Home Assistant to use, when both a URL and a token are given."""
    if not url or not token:
        return None
    return HomeAssistantConfig(url=url.rstrip("/"), token=token)


class HomeSkill:
    """Owns the client, the refresh task and the question in flight; :meth:`close` ends them."""

    def __init__(
        self,
        cache_path: Path,
        default: HomeAssistantConfig | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``default`` comes from this edge's settings; the cloud's device settings win."""
        self._cache_path = cache_path
        self._default = default
        self._clock = clock
        self._client: HomeAssistant | None = None
        self._entities: list[Entity] = []
        self._words: frozenset[str] = frozenset()
        """The words of the entities' names and rooms, computed when the house is read."""
        self._question: Question | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._error: HomeAssistantError | None = None
        """What went wrong with Home Assistant last; cleared by its next good answer."""
        self._refreshing = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return self._client is not None

    def status(self) -> dict[str, Any]:
        """For ``GET /v1/status``: where Home Assistant is, and what is wrong with it."""
        return {
            "configured": self.configured,
            "url": self._client.url if self._client else None,
            "entities": len(self._entities),
            "problem": str(self._error) if self._error else None,
        }

    async def apply_settings(self, settings: Mapping[str, Any]) -> None:
        """The cloud's device settings (``ha_url``, ``ha_token``), else this edge's own."""
        url, token = settings.get("ha_url"), settings.get("ha_token")
        from_cloud = config_from(
            url if isinstance(url, str) else None, token if isinstance(token, str) else None
        )
        await self.configure(from_cloud or self._default)

    async def configure(self, config: HomeAssistantConfig | None) -> None:
        """Use this Home Assistant from now on (``None``: none); a change reloads the house."""
        current = self._client.config if self._client else None
        if config == current:
            return
        await self._stop()
        self._learn([])
        self._question, self._error = None, None
        if config is None:
            log.info("home.not_configured")
            return
        self._client = HomeAssistant(config)
        self._learn(await asyncio.to_thread(_load_cache, self._cache_path, config.url))
        log.info("home.configured", url=config.url, cached_entities=len(self._entities))
        self._refresher = asyncio.create_task(self._refresh_forever(), name="home-refresh")

    async def close(self) -> None:
        await self._stop()

    async def _stop(self) -> None:
        refresher, self._refresher = self._refresher, None
        client, self._client = self._client, None
        try:
            await cancel_and_wait(refresher)
        finally:
            if client is not None:
                await client.close()

    async def _refresh_forever(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(REFRESH_S)

    async def refresh(self) -> bool:
        """Re-reads the house; on failure keeps the last copy. True when it was read."""
        client = self._client
        if client is None:
            return False
        async with self._refreshing:
            return await self._refresh(client)

    async def _refresh(self, client: HomeAssistant) -> bool:
        try:
            entities, _ = await client.entities()
        except HomeAssistantError as error:
            self._note_problem(error)
            return False
        self._learn(entities)
        self._error = None
        await asyncio.to_thread(_save_cache, self._cache_path, client.url, entities)
        log.info("home.refreshed", entities=len(entities))
        return True

    def _note_problem(self, error: HomeAssistantError) -> None:
        if str(error) != str(self._error):
            # Said once per new problem: a restart of Home Assistant is not a log flood.
            event = (
                "home.token_refused"
                if isinstance(error, HomeAssistantAuthError)
                else "home.unreachable"
            )
            log.warning(event, reason=str(error))
        self._error = error

    # --- understanding --------------------------------------------------------------------

    def vocabulary(self) -> frozenset[str] | None:
        """Words of the house's names and rooms for the interpreter; ``None`` without one."""
        return None if self._client is None else self._words

    def _learn(self, entities: list[Entity]) -> None:
        self._entities, self._words = entities, vocabulary_of(entities)

    def mentions_the_house(self, text: str) -> bool:
        """True when ``text`` names a kind of thing a house has, or one of this house's words."""
        said = set(text.lower().split())
        return self.configured and not (
            said.isdisjoint(HOUSE_NOUNS) and said.isdisjoint(self.vocabulary() or ())
        )

    def answer(self, text: str) -> Intent | None:
        """The command a reply to the question in flight completes, or ``None`` when ``text``
        does not answer it (the question is then dropped, and ``text`` is taken as new)."""
        question, self._question = self._question, None
        if question is None or self._clock() > question.until:
            return None
        chosen = choose(text, question.candidates)
        if not chosen:
            return None
        slots = {
            key: value for key, value in question.slots.items() if key not in ("entity", "area")
        }
        if len(chosen) == 1:
            return Intent(question.name, {**slots, "entity": chosen[0].name})
        return Intent(
            question.name, {**slots, "entity": question.slots.get("entity", ""), "all": True}
        )

    # --- running --------------------------------------------------------------------------

    async def handle(self, name: str, slots: Mapping[str, object]) -> str:
        """Runs a ``home.*`` intent; every problem is a sentence, never an exception."""
        if self._client is None:
            return replies.home_not_configured()
        if not self._entities:
            await self.refresh()
        if not self._entities and self._error is not None:
            return self._problem_reply()
        said, area = _slots.text(slots, "entity") or "", _slots.text(slots, "area")
        if not said and not area:
            return replies.home_need_entity()
        domains = {names.HOME_STATE: None, names.HOME_SET_LEVEL: DIMMABLE}.get(name, SWITCHABLE)
        found = resolve(said, area, self._entities, domains)
        targets = list(found.entities)
        if not targets:
            return replies.home_not_found(said, self._examples(domains))
        if len(targets) > 1 and not (found.every or _slots.flag(slots, "all")):
            until = self._clock() + QUESTION_WINDOW_S
            kept = {k: v for k, v in slots.items() if isinstance(v, str | int | float | bool)}
            self._question = Question(name, kept, found.entities, until)
            return replies.home_which([e.name for e in targets])
        if name == names.HOME_STATE:
            return " ".join([await self._state(entity) for entity in targets])
        if name == names.HOME_SET_LEVEL:
            return await self._set_level(targets, _slots.integer(slots, "level"))
        return await self._switch(targets, on=name == names.HOME_TURN_ON)

    def _examples(self, domains: frozenset[str] | None) -> list[str]:
        """A few names of what exists, real devices before the house's helpers."""
        fitting = [e for e in self._entities if domains is None or e.domain in domains]
        devices = [e.name for e in fitting if not e.domain.startswith("input_")]
        return sorted(devices or [e.name for e in fitting])[:NAMES_SAID]

    def _problem_reply(self) -> str:
        if isinstance(self._error, HomeAssistantAuthError):
            return replies.home_token_refused()
        return replies.home_unreachable()

    async def _call(self, calls: Sequence[tuple[str, str, dict[str, Any]]]) -> str | None:
        """Runs the service calls; the sentence for a failure, or ``None``."""
        assert self._client is not None
        try:
            for domain, service, data in calls:
                await self._client.call_service(domain, service, data)
        except HomeAssistantAuthError as error:
            self._note_problem(error)
            return replies.home_token_refused()
        except HomeAssistantUnavailableError as error:
            self._note_problem(error)
            return replies.home_unreachable()
        except HomeAssistantError as error:
            log.warning("home.service_failed", reason=str(error))
            return replies.home_failed([domain for domain, _, _ in calls])
        self._error = None  # it answered: whatever was wrong is no longer
        return None

    async def _switch(self, targets: Sequence[Entity], *, on: bool) -> str:
        calls = [_switch_call(entity, on=on) for entity in targets]
        failed = await self._call(calls)
        if failed is not None:
            return failed
        state = (
            ("open" if on else "closed")
            if all(e.domain == "cover" for e in targets)
            else ("on" if on else "off")
        )
        log.info("home.switched", entities=[e.entity_id for e in targets], on=on)
        return replies.home_switched([e.name for e in targets], state)

    async def _set_level(self, targets: Sequence[Entity], level: int | None) -> str:
        if level is None:
            return replies.volume_need_level()
        level = max(0, min(100, level))
        calls = [_level_call(entity, level) for entity in targets]
        failed = await self._call(calls)
        if failed is not None:
            return failed
        log.info("home.level_set", entities=[e.entity_id for e in targets], level=level)
        return replies.home_level_set([e.name for e in targets], level)

    async def _state(self, entity: Entity) -> str:
        assert self._client is not None
        try:
            current = await self._client.state_of(entity.entity_id)
        except HomeAssistantAuthError as error:
            self._note_problem(error)
            return replies.home_token_refused()
        except HomeAssistantError as error:
            self._note_problem(error)
            return replies.home_last_known_state(entity.name, _state_words(entity, entity.state))
        self._error = None
        return replies.home_state(entity.name, _state_words(entity, current))

    async def converse(self, text: str) -> str | None:
        """Home Assistant's own conversation agent, for house requests Jarvis did not
        understand: its spoken answer when it understood, else ``None`` (the cloud's turn)."""
        if self._client is None or isinstance(self._error, HomeAssistantUnavailableError):
            # Known to be down: the cloud answers at once instead of after a timeout here.
            return None
        try:
            speech, understood = await self._client.converse(text)
        except HomeAssistantError as error:
            self._note_problem(error)
            return None
        log.info("home.conversation", understood=understood)
        return speech if understood and speech else None


def _switch_call(entity: Entity, *, on: bool) -> tuple[str, str, dict[str, Any]]:
    if entity.domain == "cover":
        return "cover", "open_cover" if on else "close_cover", {"entity_id": entity.entity_id}
    return entity.domain, "turn_on" if on else "turn_off", {"entity_id": entity.entity_id}


def _level_call(entity: Entity, level: int) -> tuple[str, str, dict[str, Any]]:
    if entity.domain == "cover":
        return "cover", "set_cover_position", {"entity_id": entity.entity_id, "position": level}
    if entity.domain == "fan":
        return "fan", "set_percentage", {"entity_id": entity.entity_id, "percentage": level}
    return "light", "turn_on", {"entity_id": entity.entity_id, "brightness_pct": level}


def _state_words(entity: Entity, state: str) -> str:
    if entity.domain == "binary_sensor" and entity.device_class in _OPEN_WHEN_ON:
        return {"on": "open", "off": "closed"}.get(state, state)
    if state in ("unavailable", "unknown"):
        return f"{state} to Home Assistant"
    return _STATE_WORDS.get(state, state.replace("_", " "))


CACHE_FILE = Path("home_assistant") / "entities.json"
"""Where, under the data dir, the edge keeps its copy of the house."""


def cached_vocabulary(data_dir: Path, url: str) -> frozenset[str]:
    """The house's words from the edge's copy (for ``jarvis interpret``, which has no link)."""
    return vocabulary_of(_load_cache(data_dir / CACHE_FILE, url.rstrip("/")))


def vocabulary_of(entities: Sequence[Entity]) -> frozenset[str]:
    """The words people use for the house's devices: their names, aliases and rooms."""
    known: set[str] = set()
    for entity in entities:
        # The house's own helpers (input_boolean …) would add words like "open" or "power".
        if entity.domain in _VOCABULARY_DOMAINS:
            known |= entity_words(entity)
    return frozenset(known)


def _load_cache(path: Path, url: str) -> list[Entity]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("url") != url:
        return []
    try:
        return [
            Entity(**{**item, "aliases": tuple(item.get("aliases", ()))})
            for item in data["entities"]
        ]
    except (KeyError, TypeError):
        return []


def _save_cache(path: Path, url: str, entities: Sequence[Entity]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(
        json.dumps({"url": url, "entities": [asdict(e) for e in entities]}), encoding="utf-8"
    )
    os.replace(partial, path)


INTENTS: tuple[IntentSpec[HomeSkill], ...] = (
    *(
        spec(name, lambda skill, asked: skill.handle(asked.name, asked.slots), ("entity", "area"))
        for name in (names.HOME_TURN_ON, names.HOME_TURN_OFF, names.HOME_STATE)
    ),
    spec(
        names.HOME_SET_LEVEL,
        lambda skill, asked: skill.handle(asked.name, asked.slots),
        ("entity", "area", "level"),
    ),
)

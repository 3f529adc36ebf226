"""The cloud's second chance: what an edge forwarded is understood again, with more budget.

The same packaged model as the edge's learned tier (``understanding``), with a lower threshold
(``second_chance_threshold``, chosen on CLINC150's validation like the edge's, for a looser
false-accept target: the alternative here is "I can't do that yet"). It is asked only when the
cloud's own planner found nothing to do: its reminders, missions, device commands and weather
keep priority. When the model finds one of the asking edge's own intents, the intent's name goes
back to that edge in a ``device_intent`` message (``models.device_intents``); the edge fills the
slots with its own extractors and runs it as if understood there.

The model loads once, in a worker thread started with the instance, so the cloud serves at once;
it runs in one worker thread of its own, never on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import asyncpg
import structlog

from cloud.store import device_state, outbox, traces
from models import Utterance, derived_id, messages
from models.device_intents import DEVICE_INTENT, DeviceIntent, intents_of

if TYPE_CHECKING:
    from understanding import IntentModel

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SendBack:
    """Have the asking device run its own ``intent``, its slots read from the words said."""

    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Guess:
    """The model's local intent for a text, at or above the second-chance threshold."""

    intent: str
    confidence: float


def load_model() -> IntentModel:
    """The packaged model (blocking, about a second)."""
    from understanding import load_default

    return load_default()


class SecondChance:
    """Owns the model's loading task and its worker thread; ``close()`` ends both."""

    def __init__(self, load: Callable[[], IntentModel] = load_model) -> None:
        self._load = load
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="second-chance")
        self._loading: asyncio.Task[IntentModel | None] | None = None

    def start(self) -> None:
        """Begin loading the model in the background; requests before it is ready wait."""
        if self._loading is None:
            self._loading = asyncio.create_task(self._load_once(), name="second-chance-load")

    async def close(self) -> None:
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
            # Its CancelledError is expected: waited for, not raised (during a shutdown the
            # instance is being cancelled itself; a cancel aimed at us still ends this wait).
            # The thread cannot be stopped mid-load; it finishes alone, its result unused.
            await asyncio.wait([self._loading])
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def model(self) -> IntentModel | None:
        """The model once loaded; None when it cannot be (not installed, unreadable)."""
        self.start()
        assert self._loading is not None
        return await asyncio.shield(self._loading)

    async def guess(self, text: str, words_doubted: bool = False) -> Guess | None:
        """The local intent ``text`` most likely asks for, or None (not one, or unsure).
        ``words_doubted``: the edge's recognizer doubted ``text``; such words need the same sure
        guess here as on the edge (``IntentModel.bar``), else the edge's caution would come
        straight back."""
        model = await self.model()
        if model is None:
            return None
        loop = asyncio.get_running_loop()
        best = await loop.run_in_executor(self._executor, model.best, text)
        if best.intent == "other" or best.confidence < model.bar(words_doubted, second_chance=True):
            return None
        return Guess(best.intent, best.confidence)

    async def _load_once(self) -> IntentModel | None:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            model = await loop.run_in_executor(self._executor, self._load)
        except (ImportError, OSError, ValueError) as error:
            log.warning("second chance unavailable", reason=str(error))
            return None
        log.info(
            "second chance ready",
            load_ms=round((time.perf_counter() - started) * 1000),
            threshold=model.second_chance_threshold,
        )
        return model


async def reconsider(
    chance: SecondChance | None,
    text: str,
    handled: Callable[[], Awaitable[Collection[str]]],
    words_doubted: bool = False,
) -> SendBack | None:
    """The intent to send back for ``text``, or None; ``handled`` (asked only when the model
    found one) gives the intents the asking device runs; ``words_doubted``: the utterance's."""
    if chance is None:
        return None
    found = await chance.guess(text, words_doubted)
    if found is None:
        return None
    if found.intent not in await handled():
        log.info("second chance: the device does not run it", intent=found.intent)
        return None
    log.info("second chance", intent=found.intent, confidence=round(found.confidence, 4))
    return SendBack(found.intent, found.confidence)


async def send_back(
    conn: asyncpg.Connection,
    action: SendBack,
    *,
    device_id: str,
    utterance: Utterance,
    trace_id: str,
    message_id: str,
) -> None:
    """Queue the ``device_intent`` for the asking device, in the request's transaction. Its id
    comes from the request's: a request sent again never makes the device run it twice."""
    await traces.record(
        conn,
        trace_id,
        "planned.SendBack",
        device_id=device_id,
        detail={
            "utterance_id": utterance.id,
            "intent": action.intent,
            "confidence": round(action.confidence, 4),
        },
    )
    body = DeviceIntent(utterance.id, action.intent, utterance.text, action.confidence)
    envelope = messages.envelope(body, id=derived_id(message_id, DEVICE_INTENT), trace_id=trace_id)
    await outbox.enqueue(conn, device_id, envelope)


async def intents_of_device(pool: asyncpg.Pool, device_id: str) -> frozenset[str]:
    """The intents ``device_id`` said it runs in its last hello."""
    capabilities = await device_state.capabilities_of(pool, device_id)
    return intents_of(capabilities or [])

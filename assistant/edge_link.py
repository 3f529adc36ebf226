"""The edge's side of the link to the cloud brain: one outbound WebSocket, kept alive.

The edge dials out (so it works behind home NAT), says `hello`, then exchanges envelopes. What
it sends waits in the outbox until the cloud acks it; what it receives is acted on once, even
when the cloud sends it again. A dropped link is dialled again (``assistant.cloud_dialer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections import OrderedDict
from typing import Protocol

import aiohttp
import msgspec
import psutil
import structlog

from assistant.cloud_dialer import (
    RETRIED,
    STABLE_AFTER_S,
    Dialer,
    LinkDroppedError,
    StableLinkEndedError,
)
from assistant.device_config import ConfigCache
from assistant.errors import CloudUnavailableError
from assistant.outbox import Inbox, Outbox
from assistant.weather_cache import WeatherCache
from jarvis.logs import traced
from jarvis.tasks import cancel_and_wait
from models import (
    MAX_FRAME_BYTES,
    REFUSED_FOR_GOOD,
    DecodeError,
    Device,
    Envelope,
    Reply,
    TaughtPhrase,
    Utterance,
    phrases_from_wire,
)
from models.codec import from_wire
from models.device_intents import DeviceIntent
from models.envelope import readable_id, too_large
from models.errors import UnknownTypeError
from models.frames import fit_to_frame
from models.messages import (
    Ack,
    AckBody,
    AnyMessage,
    Command,
    CommandResultBody,
    Config,
    DeviceIntentMessage,
    DeviceOnWire,
    ErrorBody,
    ErrorMessage,
    HeartbeatBody,
    HelloBody,
    Load,
    MessageType,
    MissionCancel,
    MissionMessage,
    MissionResultBody,
    Phrases,
    ReplyMessage,
    RequestBody,
    Welcome,
    WelcomeBody,
    envelope,
    read,
)
from models.settings import DeviceSettings

log = structlog.get_logger(__name__)

WELCOME_TIMEOUT_S = 10.0
DEFAULT_HEARTBEAT_S = 10.0
CONFIG_CHECK_S = 30.0
"""How often the cached settings' age is checked against their TTL while connected."""
RECENT_ACKS = 1024
"""Acked ids remembered for ``wait_acked`` callers that ask after the ack came."""


class LinkHandler(Protocol):
    """What the edge does with what the cloud sends."""

    async def on_reply(self, reply: Reply) -> None: ...

    async def on_command(self, text: str) -> str:
        """Run ``text`` as a local command for another device; the reply sentence."""
        ...

    async def on_config(self, settings: DeviceSettings) -> None:
        """The device's settings, as the cloud validated them (``models.settings``)."""
        ...

    async def on_phrases(self, phrases: tuple[TaughtPhrase, ...]) -> None:
        """The cloud's list of taught phrases, the one every device shares."""
        ...

    async def on_refused(self, utterance_id: str, reason: str) -> None:
        """The cloud refused the request for this utterance for good; it is not sent again."""
        ...

    async def on_device_intent(self, sent: DeviceIntent) -> None:
        """The cloud found one of this edge's own intents in a forwarded request: run it."""
        ...


class MissionAcceptor(Protocol):
    """Where ``mission`` and ``mission_cancel`` envelopes go (``assistant.worker.Worker``)."""

    async def accept(self, envelope: Envelope) -> bool:
        """Queue the mission; returns once accepted (not when it ends)."""
        ...

    async def cancel(self, envelope: Envelope) -> bool:
        """Stop the attempt the envelope names, if it runs here."""
        ...


class EdgeLink:
    """Owns the connection task; `close()` cancels and awaits it. Outbox state stays on disk."""

    def __init__(
        self,
        *,
        cloud_url: str,
        token: str,
        device: Device,
        version: str,
        outbox: Outbox,
        inbox: Inbox,
        config: ConfigCache,
        weather: WeatherCache | None = None,
    ) -> None:
        self._base_url = cloud_url.rstrip("/")
        self._url = self._base_url + "/v1/edge"
        self._token = token
        self._device = device
        self._version = version
        self._outbox = outbox
        self._inbox = inbox
        self._config = config
        self._weather = weather
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._worker: MissionAcceptor | None = None
        self._ack_waiters: dict[str, asyncio.Event] = {}
        self._recent_acks: OrderedDict[str, None] = OrderedDict()
        self._dialer = Dialer(self._url)
        self._said = device
        """The device as the current link's hello said it."""

    def is_connected(self) -> bool:
        return self._connected.is_set()

    def problem(self) -> str | None:
        """A refused token, or a link that keeps failing (which may mend by itself)."""
        return self._dialer.problem or self._dialer.trouble

    async def wait_connected(self) -> None:
        await self._connected.wait()

    def start(self, handler: LinkHandler, worker: MissionAcceptor | None = None) -> None:
        """Connect, and keep connected; missions go to ``worker`` (refused without one)."""
        self._worker = worker
        self._task = asyncio.create_task(self._run(handler), name="edge-link")

    async def close(self) -> None:
        await cancel_and_wait(self._task)

    async def offer(self, capabilities: frozenset[str]) -> None:
        """Say ``capabilities`` from now on (a microphone plugged in after start): the cloud
        learns a device's capabilities from its hello, so a link that is up says hello again."""
        if capabilities == self._device.capabilities:
            return
        self._device = dataclasses.replace(self._device, capabilities=capabilities)
        log.info("edge_link.capabilities_changed", capabilities=sorted(capabilities))
        if (ws := self._ws) is not None:
            # What it is waiting on ends with the close, and _session dials again at once.
            await ws.close(message=b"saying hello again: capabilities changed")

    async def send(self, envelope: Envelope) -> None:
        """Store ``envelope`` in the outbox, and send it now if the link is up. One too big
        for a frame has its longest texts cut in the middle first (``models.frames``)."""
        fitted, frame = fit_to_frame(envelope)
        if fitted is not envelope:
            log.warning("edge_link.cut_to_fit", type=envelope.type, message_id=envelope.id)
        await self._outbox.add(fitted, frame)
        if self._ws is not None:
            with contextlib.suppress(ConnectionError, aiohttp.ClientError):
                await self._send_frame(frame)

    async def wait_acked(self, envelope_id: str, timeout_s: float) -> bool:
        """True once the cloud acked ``envelope_id`` (sent with ``send``); False on timeout."""
        if envelope_id in self._recent_acks:
            return True
        waiter = self._ack_waiters.setdefault(envelope_id, asyncio.Event())
        try:
            async with asyncio.timeout(timeout_s):
                await waiter.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._ack_waiters.pop(envelope_id, None)

    def _note_acks(self, ids: list[str]) -> None:
        # Remembered briefly: an ack may come before anyone waits for it.
        for acked in ids:
            self._recent_acks[acked] = None
            if acked in self._ack_waiters:
                self._ack_waiters[acked].set()
        while len(self._recent_acks) > RECENT_ACKS:
            self._recent_acks.popitem(last=False)

    async def share(self, envelope: Envelope) -> bool:
        await self.send(envelope)
        return True

    async def forward(self, utterance: Utterance) -> None:
        problem = self._dialer.problem
        if problem is not None:
            # Waiting would not help: the request fails now, saying what to do.
            raise CloudUnavailableError(problem)
        await self.send(envelope(RequestBody(utterance), trace_id=utterance.trace_id))

    async def _run(self, handler: LinkHandler) -> None:
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {self._token}"}
        ) as session:
            await self._dialer.keep_up(lambda: self._session(session, handler))

    async def _session(self, session: aiohttp.ClientSession, handler: LinkHandler) -> None:
        """Dial, then serve the link until it ends; raises how it ended, for the dialler to
        back off (or, after a long healthy link, to dial again at once). Returns when the link
        ended to say hello again (``offer``): it is dialled again at once."""
        ws = await self._dialer.dial(session)
        opened = asyncio.get_running_loop().time()
        try:
            await self._serve(session, ws, handler)
        except _HelloAgain:
            log.info("edge_link.hello_again")
            return
        except RETRIED as error:
            if asyncio.get_running_loop().time() - opened >= STABLE_AFTER_S:
                raise StableLinkEndedError(str(error) or type(error).__name__) from error
            log.debug("edge_link.dropped", reason=str(error) or type(error).__name__)
            raise
        finally:
            self._ws = None
            self._connected.clear()
            await ws.close()

    async def _serve(
        self,
        session: aiohttp.ClientSession,
        ws: aiohttp.ClientWebSocketResponse,
        handler: LinkHandler,
    ) -> None:
        said = self._said = self._device
        hello = envelope(HelloBody(DeviceOnWire.of(said), self._version))
        await ws.send_str(hello.encode())
        welcome = await self._welcome(ws)
        if welcome.config is not None:
            await self._apply_config(handler, welcome.config)
        if welcome.phrases is not None:
            try:
                await handler.on_phrases(phrases_from_wire(welcome.phrases, "phrases"))
            except DecodeError as error:
                log.warning("edge_link.bad_phrases", field=error.field, problem=error.problem)
        self._ws = ws
        if self._device is not said:  # offered something else while the cloud answered
            raise _HelloAgain
        async with self._send_lock:
            for frame in await self._outbox.pending():
                await ws.send_str(frame)
        self._connected.set()
        # Ids older than the cloud's longest re-send window can go; once per connection is enough.
        await self._inbox.forget_old()
        log.info("edge_link.connected", instance=welcome.instance_id)
        healthy = asyncio.get_running_loop().call_later(STABLE_AFTER_S, self._dialer.stable)
        # Helpers live as long as this connection; a drop (an exception here) ends them too.
        helpers = [
            asyncio.create_task(self._heartbeats(welcome.heartbeat_s)),
            asyncio.create_task(self._refresh_config(session, handler)),
        ]
        try:
            while True:
                await self._dispatch(await self._receive(ws), handler)
        finally:
            healthy.cancel()
            await cancel_and_wait(*helpers)

    async def _welcome(self, ws: aiohttp.ClientWebSocketResponse) -> WelcomeBody:
        """The cloud's answer to hello; a link that answers anything else is dropped."""
        answer = await self._receive(ws, timeout_s=WELCOME_TIMEOUT_S)
        if answer.type != MessageType.WELCOME:
            raise LinkDroppedError(f"expected welcome, got {answer.type}")
        try:
            message = read(answer)
        except DecodeError as error:
            raise LinkDroppedError(f"a welcome this edge cannot read: {error}") from None
        assert isinstance(message, Welcome)
        return message.body

    async def _receive(
        self, ws: aiohttp.ClientWebSocketResponse, timeout_s: float | None = None
    ) -> Envelope:
        while True:
            message = await ws.receive(timeout=timeout_s)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                if self._said is not self._device:
                    raise _HelloAgain  # closed by ``offer``
                raise LinkDroppedError(f"the cloud closed the link ({ws.close_code})")
            if message.type == aiohttp.WSMsgType.ERROR:
                raise LinkDroppedError(str(ws.exception()))
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            raw: str = message.data
            if too_large(raw):
                await self._refuse(ws, raw, "too_large", f"frames hold {MAX_FRAME_BYTES} bytes")
                continue
            try:
                return Envelope.decode(raw)
            except DecodeError as error:
                await self._refuse(ws, raw, "bad_envelope", str(error))

    async def _refuse(
        self, ws: aiohttp.ClientWebSocketResponse, raw: str, code: str, message: str
    ) -> None:
        """Tell the cloud this edge can never take the frame, naming it by id: the cloud drops
        it from its outbox (``code`` is one of ``REFUSED_FOR_GOOD``). The link stays up."""
        ref = readable_id(raw)
        log.error("edge_link.refused_frame", code=code, problem=message, ref=ref, size=len(raw))
        if ref is None:
            return
        refusal = envelope(ErrorBody(code, message, ref))
        async with self._send_lock:
            await ws.send_str(refusal.encode())

    async def _dispatch(self, received: Envelope, handler: LinkHandler) -> None:
        with traced(trace_id=received.trace_id):
            try:
                message: AnyMessage | None = read(received)
            except UnknownTypeError:
                log.warning("edge_link.unknown_type", type=received.type)
                return
            except DecodeError as error:
                log.warning("edge_link.bad_body", type=received.type, field=error.field)
                if received.type not in _ACTED_ON:
                    return
                # Acked all the same: sent again, it would be refused again.
                message = None
            match message:
                case Ack(body=AckBody(ids=ids)):
                    await self._outbox.acked(ids)
                    self._note_acks(ids)
                case ErrorMessage(body=body):
                    await self._on_error(body, handler)
                case None | (
                    ReplyMessage()
                    | Command()
                    | Config()
                    | Phrases()
                    | MissionMessage()
                    | MissionCancel()
                    | DeviceIntentMessage()
                ):
                    await self._handle_once(received, message, handler)
                case _:
                    log.warning("edge_link.unknown_type", type=received.type)

    async def _handle_once(
        self, received: Envelope, message: AnyMessage | None, handler: LinkHandler
    ) -> None:
        """Act on ``message`` unless its id was seen (``None``: a body this edge cannot read),
        then ack it."""
        if not await self._inbox.seen(received.id):
            if message is not None:
                await self._act(received, message, handler)
            await self._inbox.mark(received.id)
        ack = envelope(AckBody([received.id]), trace_id=received.trace_id)
        await self._send_raw(ack)

    async def _on_error(self, body: ErrorBody, handler: LinkHandler) -> None:
        """Log what the cloud could not do. A message it refused for good (malformed, or data
        it cannot store) leaves the outbox, where it would otherwise be sent again on every
        reconnect, and a request's utterance fails with a reply instead of waiting forever."""
        fields = {"code": body.code, "message": body.message, "ref": body.ref}
        if body.code not in REFUSED_FOR_GOOD or body.ref is None:
            log.warning("edge_link.cloud_error", **fields)
            return
        refused = await self._outbox.drop(body.ref) or {}
        log.error("edge_link.refused", **fields, type=refused.get("type"))
        if refused.get("type") == MessageType.REQUEST:
            utterance_id = _utterance_id(refused.get("body"))
            if utterance_id is not None:
                await handler.on_refused(utterance_id, f"{body.code}: {body.message}")

    async def _act(self, received: Envelope, message: AnyMessage, handler: LinkHandler) -> None:
        match message:
            case ReplyMessage(body=reply):
                await handler.on_reply(reply)
            case Config(body=config):
                await self._apply_config(handler, config.settings)
                if config.weather is not None and self._weather is not None:
                    # The device's own forecast, pushed with its settings (models.weather).
                    await self._weather.store(config.weather, time.time())
            case Phrases(body=phrases):
                await handler.on_phrases(phrases.phrases)
            case MissionMessage(body=assignment):
                await self._accept_mission(received, assignment.mission.id, assignment.attempt)
            case MissionCancel():
                if self._worker is not None:
                    await self._worker.cancel(received)
            case DeviceIntentMessage(body=sent):
                await handler.on_device_intent(sent)
            case Command(body=command):
                text = await handler.on_command(command.text)
                result = CommandResultBody(command.request_id, text)
                await self.send(envelope(result, trace_id=received.trace_id))

    async def _accept_mission(self, received: Envelope, mission_id: str, attempt: int) -> None:
        if self._worker is not None:
            await self._worker.accept(received)
            return
        # Told at once, so the cloud routes the mission elsewhere instead of waiting on a lease.
        log.warning("edge_link.mission_refused", mission_id=mission_id, reason="no worker")
        result = MissionResultBody(
            mission_id, ok=False, error="this device runs no missions", attempt=attempt
        )
        await self.send(envelope(result, trace_id=received.trace_id))

    async def _send_raw(self, envelope: Envelope) -> None:
        await self._send_frame(envelope.encode())

    async def _send_frame(self, frame: str) -> None:
        ws = self._ws
        if ws is None:
            return
        async with self._send_lock:
            await ws.send_str(frame)

    async def _apply_config(self, handler: LinkHandler, settings: DeviceSettings) -> None:
        await self._config.store(settings.to_wire())
        await handler.on_config(settings)

    async def _refresh_config(self, session: aiohttp.ClientSession, handler: LinkHandler) -> None:
        """Fetch the settings again once the cached copy is older than its TTL."""
        url = f"{self._base_url}/v1/devices/{self._device.id}/config"
        while True:
            await asyncio.sleep(CONFIG_CHECK_S)
            if not await self._config.stale():
                continue
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
                    response.raise_for_status()
                    settings = from_wire(await response.json(), DeviceSettings, "settings")
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                # DecodeError is a ValueError: settings this edge cannot read are not applied.
                log.warning("edge_link.config_refresh_failed", error=str(error))
                continue
            await self._apply_config(handler, settings)

    async def _heartbeats(self, interval_s: float) -> None:
        while True:
            load = await asyncio.to_thread(_sample_load)
            await self._send_raw(envelope(HeartbeatBody(load)))
            await asyncio.sleep(interval_s)


_ACTED_ON = frozenset(
    {
        MessageType.REPLY,
        MessageType.COMMAND,
        MessageType.CONFIG,
        MessageType.PHRASES,
        MessageType.MISSION,
        MessageType.MISSION_CANCEL,
        MessageType.DEVICE_INTENT,
    }
)
"""What the cloud sends for this edge to act on, once each (by id), and acked."""


def _sample_load() -> Load:
    return Load(
        cpu_percent=psutil.cpu_percent(interval=None),
        memory_percent=psutil.virtual_memory().percent,
    )


class _HelloAgain(Exception):
    """The link ends so that a hello says the device as it is now (``EdgeLink.offer``)."""


class _RefusedUtterance(msgspec.Struct, frozen=True):
    id: str


class _RefusedRequest(msgspec.Struct, frozen=True):
    """Of a request the cloud refused, only what names its utterance: the rest may be what
    the cloud could not take."""

    utterance: _RefusedUtterance


def _utterance_id(body: object) -> str | None:
    try:
        return from_wire(body, _RefusedRequest).utterance.id
    except DecodeError:
        return None

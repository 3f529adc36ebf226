"""The state of listening, as a person sees it, and the mute switches that really stop the mics.

``ListeningState`` is told by the voice loop what it is doing (waiting, listening, thinking) and
asks the speech queue whether it is speaking; the console shows the result. ``MutableSource``
wraps the microphone: muting closes the device (the operating system's "in use" light goes out),
unmuting opens it again; a microphone that stops by itself (unplugged) is ``lost``, and opened
again, with backoff, until it is back. Each Wyoming satellite has a switch of its own
(``SatelliteEar``): muted, Jarvis hangs up on it, and a satellite streams only to a server that
asked. Nothing is heard, kept or sent while muted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import structlog

from assistant.audio import AudioSource
from assistant.errors import MicrophoneLost, NoInputDeviceError
from models import WakeHeard

if TYPE_CHECKING:
    from assistant.audio.wake_word import NearMiss, Woke

log = structlog.get_logger(__name__)

Phase = Literal["waiting", "listening", "thinking"]
State = Literal["off", "muted", "lost", "waiting", "listening", "thinking", "speaking"]
"""``off``: no microphone (text only); ``lost``: the microphone stopped by itself (unplugged)
and is being opened again; ``waiting``: for speech or the wake word."""
REOPEN_FIRST_S = 1.0
REOPEN_MAX_S = 10.0
"""A lost microphone is opened again after the first, doubling up to the second."""
CLOSED_BETWEEN_WAIT_S = 5.0
"""How long ``MutableSource.reopened_around`` waits for the listening to let go of the device
(a frame comes every 20 ms while it is listened to)."""

MICROPHONE = "microphone"
"""The mute store's name for this edge's own microphone (a satellite's is its address)."""

HEADS = "detector"
"""``WakeHeard.by`` when the wake word's own detector woke Jarvis (not its companion or check)."""


def wake_heard(woke: Woke, satellite: str | None = None) -> WakeHeard:
    """What a wake event says of ``woke``: the ear, its score as the log rounds it, whose
    enrolled voice, and which satellite heard it (``None``: this edge's microphone)."""
    return WakeHeard(woke.by or HEADS, round(woke.score, 3), woke.voice, satellite)


@dataclass(frozen=True, slots=True)
class LastWake:
    """When Jarvis last woke, and which ear heard the phrase: a person who finds it waking on
    the wrong words sees which one to turn off (``JARVIS_WAKE_CHECK``,
    ``JARVIS_WAKE_COMPANION``, ``JARVIS_WAKE_SLOWED``). The time and the ear only: nothing that
    was said."""

    at: float
    """Seconds since the epoch."""
    heard: WakeHeard
    """Which ear, how sure it was, and for whose enrolled voice (what the ``wake`` event says)."""

    def view(self) -> dict[str, object]:
        # This edge's own microphone: a satellite's wakes are events, not this ear's state.
        heard = {name: value for name, value in self.heard.to_wire().items() if name != "satellite"}
        return {"at": self.at, **heard}


@dataclass(frozen=True, slots=True)
class LastNearMiss:
    """When the detector last fired and Jarvis stayed asleep, and which check said no: a person
    whom Jarvis keeps ignoring sees whether it heard them at all, and who doubted them (the
    verifier: try ``JARVIS_WAKE_SENSITIVITY=high`` or ``jarvis wake enroll``; the whisper check
    at ``strict``: ``normal``). Scores only: nothing that was said."""

    at: float
    """Seconds since the epoch."""
    near_miss: NearMiss

    def view(self) -> dict[str, object]:
        logged = self.near_miss.log_fields()  # the scores as the log rounds them
        return {
            "at": self.at,
            "rejected_by": self.near_miss.rejected_by,
            **{name: logged[name] for name in ("score", "verifier_score", "checked")},
        }


class MuteSwitch:
    """One ear's mute switch, awaitable either way: the microphone waits to be unmuted, a
    satellite's link both to be muted (to hang up) and unmuted (to dial again)."""

    def __init__(self) -> None:
        self._muted = asyncio.Event()
        self._unmuted = asyncio.Event()
        self._unmuted.set()

    @property
    def muted(self) -> bool:
        return self._muted.is_set()

    def set(self, muted: bool) -> bool:
        """Whether the switch moved."""
        if muted == self.muted:
            return False
        if muted:
            self._unmuted.clear()
            self._muted.set()
        else:
            self._muted.clear()
            self._unmuted.set()
        return True

    async def wait_muted(self) -> None:
        await self._muted.wait()

    async def wait_unmuted(self) -> None:
        await self._unmuted.wait()


class SatelliteEar:
    """A Wyoming satellite as a person sees it: whether its link is up, and its mute switch.
    Muted, Jarvis hangs up on it and does not dial it again until unmuted (as Home Assistant's
    satellite mute switch does): the satellite keeps its microphone, but nothing it hears reaches
    Jarvis, and a command it was saying is dropped unheard."""

    def __init__(self, uri: str, changed: Callable[[], None]) -> None:
        self.uri = uri
        self.connected = False
        self._switch = MuteSwitch()
        self._changed = changed

    @property
    def muted(self) -> bool:
        return self._switch.muted

    def set_muted(self, muted: bool) -> None:
        if self._switch.set(muted):
            log.info("satellite.muted" if muted else "satellite.unmuted", uri=self.uri)
            self._changed()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self._changed()

    async def wait_muted(self) -> None:
        await self._switch.wait_muted()

    async def wait_unmuted(self) -> None:
        await self._switch.wait_unmuted()

    def view(self) -> dict[str, object]:
        return {"uri": self.uri, "connected": self.connected, "muted": self.muted}


class ListeningState:
    """What the edge's ear is doing, whether a person muted it, and its satellites' switches."""

    def __init__(self) -> None:
        self.microphone = False
        """True once a microphone feeds the voice loop."""
        self.microphone_lost: str | None = None
        """Why the microphone stopped by itself, until it is open again."""
        self.speaker = False
        """True once the voice loop speaks its replies aloud (a speaker, or a WAV sink)."""
        self.wake_word: str | None = None
        """The phrase that must come first, when the voice loop waits for one."""
        self.wake_sensitivity: str | None = None
        """``normal`` or ``high`` (``JARVIS_WAKE_SENSITIVITY``), with a wake word."""
        self.wake_companion: str | None = None
        """The second detector that also wakes Jarvis (``microWakeWord``), if one runs."""
        self.wake_check: str | None = None
        """``whisper check`` when whisper's encoder checks the steps the detector half believes."""
        self.wake_slowed: str | None = None
        """``slowed detector`` when the heads hear a phrase they nearly believed again, slowed."""
        self.enrolled_voices: tuple[str, ...] = ()
        """Whose voices the wake word was enrolled for (``jarvis wake enroll``) and uses."""
        self.last_wake: LastWake | None = None
        """When it last woke and by which ear (since start-up; never kept on disk)."""
        self.last_near_miss: LastNearMiss | None = None
        """When the detector last fired without waking it, and why (in memory, as above)."""
        self.phase: Phase = "waiting"
        self.satellites: dict[str, SatelliteEar] = {}
        """The Wyoming satellites it listens through, by address as configured."""
        self._switch = MuteSwitch()
        self._speaking: Callable[[], bool] = lambda: False
        self._listeners: set[Callable[[], None]] = set()

    @property
    def muted(self) -> bool:
        return self._switch.muted

    @property
    def state(self) -> State:
        if not self.microphone:
            return "speaking" if self._speaking() else "off"
        if self.muted:
            return "muted"
        if self.microphone_lost is not None:
            return "lost"
        if self._speaking():
            return "speaking"
        return self.phase

    def set_phase(self, phase: Phase) -> None:
        if phase != self.phase:
            self.phase = phase
            self._changed()

    def woke(self, wake: LastWake) -> None:
        self.last_wake = wake
        self._changed()

    def not_woken(self, near_miss: LastNearMiss) -> None:
        self.last_near_miss = near_miss
        self._changed()

    def set_microphone_lost(self, reason: str | None) -> None:
        """Why the microphone stopped by itself, or ``None`` once it is open again."""
        if reason != self.microphone_lost:
            self.microphone_lost = reason
            self._changed()

    def set_speaker(self, speaker: bool) -> None:
        if speaker != self.speaker:
            self.speaker = speaker
            self._changed()

    def set_muted(self, muted: bool) -> None:
        if self._switch.set(muted):
            log.info("listening.muted" if muted else "listening.unmuted")
            self._changed()

    async def wait_muted(self) -> None:
        await self._switch.wait_muted()

    async def wait_unmuted(self) -> None:
        await self._switch.wait_unmuted()

    def satellite(self, uri: str) -> SatelliteEar:
        """The switch of the satellite at ``uri`` (as ``JARVIS_WYOMING_SATELLITES`` names it),
        made on first ask."""
        ear = self.satellites.get(uri)
        if ear is None:
            ear = self.satellites[uri] = SatelliteEar(uri, self._changed)
        return ear

    def speaking_from(self, speaking: Callable[[], bool]) -> None:
        self._speaking = speaking

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (no arguments, on the loop) after each change; returns the undo."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    def view(self) -> dict[str, object]:
        return {
            "state": self.state,
            "muted": self.muted,
            "microphone": self.microphone,
            "microphone_lost": self.microphone_lost,
            "speaker": self.speaker,
            "wake_word": self.wake_word,
            "wake_sensitivity": self.wake_sensitivity,
            "wake_companion": self.wake_companion,
            "wake_check": self.wake_check,
            "wake_slowed": self.wake_slowed,
            "enrolled_voices": list(self.enrolled_voices),
            "last_wake": self.last_wake.view() if self.last_wake else None,
            "last_near_miss": self.last_near_miss.view() if self.last_near_miss else None,
            "satellites": [ear.view() for ear in self.satellites.values()],
        }

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


@dataclass(frozen=True, slots=True)
class _ClosedBetween:
    """What ``MutableSource.reopened_around`` asks the listening to run with the device closed."""

    between: Callable[[], bool]
    done: asyncio.Future[bool]


class MutableSource:
    """An ``AudioSource`` that closes its device while muted and opens a fresh one after, and
    opens a fresh one, with backoff, after the device stopped by itself (``MicrophoneLost``) or
    could not be opened (``NoInputDeviceError``: unplugged)."""

    def __init__(
        self,
        source: AudioSource,
        reopen: Callable[[], Awaitable[AudioSource]],
        listening: ListeningState,
        *,
        reopen_first_s: float = REOPEN_FIRST_S,
        reopen_max_s: float = REOPEN_MAX_S,
    ) -> None:
        self._source: AudioSource | None = source
        self._reopen = reopen
        self._listening = listening
        self._closed = False
        self._reopen_first_s = reopen_first_s
        self._reopen_max_s = reopen_max_s
        self.reopen_failures = 0
        """Tries to open the device again that failed."""
        self._between: _ClosedBetween | None = None
        listening.microphone = True

    async def reopened_around(
        self, between: Callable[[], bool], wait_s: float = CLOSED_BETWEEN_WAIT_S
    ) -> bool:
        """``between()`` (blocking: run in a thread) with the device closed, and the device
        opened again after it: starting PortAudio again (to find a speaker plugged in since)
        would cut its stream off. What ``between()`` returned; False, with nothing run, when
        the device is open but nobody listens to it within ``wait_s``."""
        if self._source is None or self._closed:
            return await asyncio.to_thread(between)
        request = _ClosedBetween(between, asyncio.get_running_loop().create_future())
        self._between = request
        try:
            async with asyncio.timeout(wait_s):
                return await asyncio.shield(request.done)
        except TimeoutError:
            if self._between is request:  # never taken up: withdrawn
                self._between = None
                return False
            return await request.done  # under way in its thread: its result is coming

    async def frames(self) -> AsyncGenerator[bytes, None]:
        delay = self._reopen_first_s
        while not self._closed:
            if self._listening.muted:
                await self._release()
                await self._listening.wait_unmuted()
                continue
            if self._source is None:
                try:
                    self._source = await self._reopen()
                except NoInputDeviceError as error:
                    self._lost(str(error))
                    delay = await self._retry_later(delay)
                    continue
                if self._listening.microphone_lost is None:
                    log.info("listening.microphone_reopened")
            heard_any = False
            try:
                async for frame in self._source.frames():
                    if self._listening.muted or self._between is not None:
                        break  # the frame was heard while muting: dropped, never passed on
                    if not heard_any:
                        heard_any = True
                        # Back only once it sends sound: a device PortAudio still lists may
                        # open and then stay silent.
                        if self._listening.microphone_lost is not None:
                            log.info("listening.microphone_back")
                            self._listening.set_microphone_lost(None)
                            delay = self._reopen_first_s
                    yield frame
                else:
                    if not self._listening.muted:
                        return  # the source ended by itself (a file): so does this
            except MicrophoneLost as error:
                await self._release()
                self._lost(str(error))
                if not heard_any:  # opened again, but never sent a frame: not at once again
                    delay = await self._retry_later(delay)
            if self._between is not None:
                await self._close_between(self._between)

    async def _close_between(self, request: _ClosedBetween) -> None:
        """Run what ``reopened_around`` asked for with the device closed; the loop above then
        opens it again (and says it is lost if it cannot)."""
        self._between = None
        await self._release()
        try:
            request.done.set_result(await asyncio.to_thread(request.between))
        except Exception as error:  # the asker gets it; the listening goes on
            request.done.set_exception(error)

    async def _retry_later(self, delay: float) -> float:
        """Count a failed try and wait ``delay`` (or until muted); the next delay."""
        self.reopen_failures += 1
        await self._wait_or_muted(delay)
        return min(delay * 2, self._reopen_max_s)

    def _lost(self, reason: str) -> None:
        if self._listening.microphone_lost is None:
            log.warning("listening.microphone_lost", reason=reason)
        self._listening.set_microphone_lost(reason)

    async def _wait_or_muted(self, seconds: float) -> None:
        """Sleep before the next try, unless a person mutes it meanwhile (then no device is
        wanted until unmuted)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._listening.wait_muted()

    async def _release(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            await source.close()
            log.info("listening.microphone_closed")

    async def close(self) -> None:
        self._closed = True
        await self._release()

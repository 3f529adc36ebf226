"""Wyoming satellites as Jarvis's microphones: a room's ``wyoming-satellite`` (a Pi with a
microphone and a speaker, no Jarvis installed) streams to Jarvis, and hears the reply.

Jarvis connects to the satellite as Home Assistant would (``RunSatellite``) and runs the
pipeline on its stream, as on the local microphone: until the wake word, the audio goes to the
wake word detector and nowhere else (``WakeGate``: no recognizer, nothing logged or kept); on
"hey jarvis" the satellite is told (``Detection``) and so are the edge's listeners (a ``wake``
event on ``/v1/events`` naming the satellite), our endpointer cuts the command that follows
(said in the same breath or within a few seconds), whisper hears it, it goes through the edge's
conversation, and the reply is synthesized and sent back as audio for the satellite's speaker.
After a reply a follow-up needs no wake word for ``JARVIS_FOLLOW_UP_S`` seconds, counted from
when the satellite should have finished playing it: the satellite (``wyoming-satellite`` 1.0)
says nothing when it has, and keeps streaming its microphone while it plays, so what it hears
until then (the reply itself) is dropped unheard. With ``JARVIS_WAKE_WORD=none`` every
utterance is a command. The link is re-dialled with backoff
whenever it drops, whichever side restarted: the failure satellite users report most is one
that never comes back after a server reboot, and one that sends audio we cannot read (a chunk
without its format, or not whole frames of it) is hung up on and dialled again the same way,
not left dead. A recognizer that fails on a command costs that command alone: the room is told
it was not heard, and may say it again as a follow-up. Muted (its ``SatelliteEar``, the
console's switch), Jarvis hangs up on the satellite, dropping a command it was saying, and dials
it again only once unmuted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable

import structlog
from wyoming.asr import Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.event import Event
from wyoming.satellite import RunSatellite
from wyoming.snd import Played
from wyoming.wake import Detection

from assistant.audio import SAMPLE_RATE_HZ
from assistant.audio.endpointing import Endpointer, RoomLevels, SpeechDetector, SpeechEnded
from assistant.audio.wake_word import NearMiss
from assistant.events import WAKE_EVENT_KIND
from assistant.listening import SatelliteEar, wake_heard
from assistant.not_heard import NotHeardStreak
from assistant.stt import Recognizer, recognize
from assistant.tts import Speaker
from assistant.wake_gate import AfterWake, Wake, WakeGate, command_window
from assistant.wyoming_audio import BadAudio, chunk_converter, read_chunk
from assistant.wyoming_server import CHUNK_SAMPLES, Handle
from assistant.wyoming_wake import SharedWake, model_name
from jarvis.tasks import cancel_and_wait
from models import Reply

log = structlog.get_logger(__name__)

RETRY_MIN_S = 0.5
RETRY_MAX_S = 10.0
"""Re-dial backoff: doubling from the first, never longer than the second."""
COMMAND_WAIT_S = 5.0
"""After the wake word, seconds of audio in which the command must begin (as on the local
microphone's ``command_wait_s``); then the satellite goes back to sleep."""
STALLED_S = 10.0
"""A command window also closes this long after its own limit by the clock (a satellite that
stopped streaming sends no audio to count), leaving the time a slow decode takes."""
PLAYBACK_SLACK_S = 0.75
"""How long after its reply's length a satellite may still be playing it: the network, its
sound command's start-up and its buffers (without an echo canceller there, what the microphone
hears until then is the reply)."""
PLAYED_WAIT_S = 10.0
"""With a satellite that says when a reply has played (wyoming-satellite's ``played``), how much
longer than the reply's length it is waited for before the follow-up window opens anyway (a
lost ``played``); a speaker far behind (Bluetooth) is then never heard as a follow-up."""


class SatelliteLink:
    """One satellite, kept connected until cancelled (:meth:`run`)."""

    def __init__(
        self,
        uri: str,
        *,
        recognizer: Callable[[], Awaitable[Recognizer]],
        speaker: Callable[[], Awaitable[Speaker]] | None,
        handle: Handle,
        detector: Callable[[], Awaitable[SpeechDetector]],
        wake: SharedWake | None,
        publish: Callable[[Reply], None] | None = None,
        follow_up_s: float = 0.0,
        ear: SatelliteEar | None = None,
    ) -> None:
        """``publish`` receives a ``wake`` event each time the wake word wakes this satellite
        (the edge's ``ReplyBus``, as the voice loop's wakes); after a reply, a follow-up needs
        no wake word for ``follow_up_s`` (0: every command needs it). ``ear`` is told whether
        the link is up, and its mute switch hangs up on the satellite."""
        self.uri = uri
        self.ear = ear
        """Its switch and whether it is connected, as the console shows them."""
        self._publish = publish
        self._follow_up_s = follow_up_s
        self._follow_up = False
        """The last turn was answered: the next command may come without the wake word."""
        self._speaker_levels: RoomLevels | None = None
        """How loud whoever last said the wake word was: a follow-up is theirs too."""
        self._playing_until = 0.0
        """When (the loop's clock) the satellite should have finished playing the reply."""
        self._says_played = False
        """This connection's satellite says when a reply has played (``played``): its word
        ends the wait, not the reply's length."""
        self._recognizer = recognizer
        self._speaker = speaker
        self._handle = handle
        self._detector = detector
        self._wake = wake
        self.connections = 0
        """How many times the link came up (a test's and a status page's view)."""
        self.woken = 0
        self.answered = 0
        self.followed_up = 0
        """Commands answered that were said in a follow-up window, without the wake word."""
        self.bad_audio = 0
        """Times it was hung up on for sending audio we cannot read."""
        self.not_heard = 0
        """Commands said to Jarvis that the recognizer failed on (the room was told)."""
        self._not_heard_streak = NotHeardStreak(always_listening=wake is None)

    async def run(self) -> None:
        delay = RETRY_MIN_S
        while True:
            if self.ear is not None and self.ear.muted:
                await self.ear.wait_unmuted()  # nothing is dialled while muted
                delay = RETRY_MIN_S
            try:
                await self._session()
                delay = RETRY_MIN_S  # it was up: the satellite restarted, dial again soon
            except (OSError, EOFError, asyncio.IncompleteReadError) as error:
                log.info("satellite.unreachable", uri=self.uri, reason=str(error) or "refused")
            except BadAudio as error:
                # A satellite that sends audio we cannot read is hung up on, and dialled again
                # with the same backoff: it may have been restarted with other settings.
                log.warning("satellite.bad_audio", uri=self.uri, reason=str(error))
                self.bad_audio += 1
            except Exception as error:
                # Anything else (a model that failed to load, a reply that could not be spoken)
                # must not leave a room deaf until the edge restarts: logged, and dialled again.
                log.exception(
                    "satellite.failed", uri=self.uri, error=f"{type(error).__name__}: {error}"
                )
            if self._muted():
                continue  # it hung up because a person muted it: wait for the switch
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    def _muted(self) -> bool:
        return self.ear is not None and self.ear.muted

    async def _session(self) -> None:
        async with AsyncClient.from_uri(self.uri) as client:
            await client.write_event(RunSatellite().event())
            self.connections += 1
            log.info("satellite.connected", uri=self.uri, connections=self.connections)
            if self.ear is not None:
                self.ear.set_connected(True)
            endpointer = Endpointer(await self._detector())
            gate = WakeGate(await self._wake.detector()) if self._wake is not None else None
            self._follow_up = False  # a new session: its first command needs the wake word
            self._says_played = False  # perhaps another program now
            try:
                frames_and_played = _audio(client, self.ear, self._played)
                async with contextlib.aclosing(frames_and_played) as frames:
                    while await self._turn(client, frames, gate, endpointer):
                        pass
            finally:
                if self.ear is not None:
                    self.ear.set_connected(False)
                if gate is not None:
                    await gate.close()
            reason = "muted" if self._muted() else "the satellite hung up"
            log.info("satellite.disconnected", uri=self.uri, reason=reason)

    async def _turn(
        self,
        client: AsyncClient,
        frames: AsyncIterator[bytes],
        gate: WakeGate | None,
        endpointer: Endpointer,
    ) -> bool:
        """One command: heard and answered, or said not to be heard; false when the satellite
        hung up."""
        try:
            return await self._hear_and_answer(client, frames, gate, endpointer)
        except _NotHeard as failure:
            # Said to Jarvis (after the wake word, or it hears every utterance) and not heard:
            # the room is told rather than left waiting, and may say it again without the
            # wake word, as a follow-up. The link stays: the next command may be heard.
            error = failure.__cause__
            log.exception("satellite.hear_failed", uri=self.uri,
                          error=f"{type(error).__name__}: {error}")  # fmt: skip
            self.not_heard += 1
            said = self._not_heard_streak.failed()
            if said is not None:
                await self._say(client, said)
            following = self._not_heard_streak.follow_up
            self._follow_up = following and gate is not None and self._follow_up_s > 0
            return True

    async def _hear_and_answer(
        self,
        client: AsyncClient,
        frames: AsyncIterator[bytes],
        gate: WakeGate | None,
        endpointer: Endpointer,
    ) -> bool:
        """Sleep until the wake word (unless a follow-up may come), hear the command, answer it;
        false when the satellite hung up."""
        if gate is None:
            pcm = await _utterance(frames, endpointer)
            if pcm is None or self._muted():
                return False  # hung up, or muted while it was said: nobody hears it
            command = (await self._recognized(pcm)).strip()
            if not command:
                log.info("satellite.asleep", uri=self.uri, reason="nothing was said")
                return True
            await self._answer(client, command)
            return True
        wake: Wake | None = None
        first, limit_s = b"", self._follow_up_s
        if not self._follow_up:
            wake = await gate.wait(frames, self._near_miss)
            if wake is None:
                return False
            await self._woke(client, wake, gate)
            first, limit_s = wake.after, COMMAND_WAIT_S
            self._speaker_levels = wake.levels
        # A follow-up is heard once the reply has been played (until then the microphone
        # hears the reply); a command after the wake word is heard at once, as before.
        loop = asyncio.get_running_loop()
        window = command_window(
            frames, first, limit_s=limit_s, in_speech=lambda: endpointer.in_speech,
            busy=self._playing if wake is None else lambda: False, hear_while_busy=False,
        )  # fmt: skip
        # The window counts the audio it hears; a satellite that stops streaming sends none,
        # so the clock closes it too: speech hours later must not pass without the wake word.
        opens = max(loop.time(), self._playing_until if wake is None else 0.0)
        deadline = opens + limit_s + STALLED_S
        in_time = until_deadline(window, deadline, lambda: endpointer.in_speech)
        async with contextlib.aclosing(window), contextlib.aclosing(in_time) as passed:
            command = await self._command(passed, endpointer, wake, gate.detector.model.phrase)
        if self._muted():
            return False  # muted while the command was said: it is dropped unheard
        following_up, self._follow_up = self._follow_up, False
        if not command:
            reason = "follow-up window ended" if following_up else "no command after the wake word"
            log.info("satellite.asleep", uri=self.uri, reason=reason)
            return True
        if following_up:
            self.followed_up += 1
            log.info("satellite.follow_up", uri=self.uri)
        # After a reply only: with none (a cloud that never answered), what the satellite heard
        # meanwhile goes to the wake word, not into a window nobody opened.
        replied = await self._answer(client, command)
        self._follow_up = replied and self._follow_up_s > 0
        return True

    async def _woke(self, client: AsyncClient, wake: Wake, gate: WakeGate) -> None:
        """Tell the satellite (``Detection``: its awake sound, its lights) and the edge's
        listeners (a ``wake`` event naming it)."""
        self.woken += 1
        heard = wake_heard(wake.woke, satellite=self.uri)
        log.info("satellite.woke", uri=self.uri, at_s=round(wake.woke.at_s, 2), by=heard.by,
                 score=heard.score, enrolled_voice=heard.voice)  # fmt: skip
        await client.write_event(Detection(name=model_name(gate.detector.model)).event())
        if self._publish is not None:
            self._publish(Reply("", kind=WAKE_EVENT_KIND, woke=heard))

    def _playing(self) -> bool:
        return asyncio.get_running_loop().time() < self._playing_until

    async def _command(
        self, frames: AsyncIterator[bytes], endpointer: Endpointer, wake: Wake | None, phrase: str
    ) -> str:
        """The command after the wake phrase (or, with no ``wake``, in a follow-up window);
        empty when none began in time. The first utterance after a wake begins with the phrase
        itself (``wake.after``): said before a pause, the phrase alone (not recognized), and the
        command is the next utterance."""
        after = AfterWake(phrase, wake, endpointer)
        while (pcm := await _utterance(frames, endpointer, self._speaker_levels)) is not None:
            if self._muted():
                return ""  # the frames ended because a person muted it: never decoded
            heard = ""
            if after.worth_decoding():
                heard = await self._recognized(pcm, said_first=after.said_first)
            if command := after.command(heard):
                return command
        return ""

    async def _recognized(self, pcm: bytes, said_first: str = "") -> str:
        """What ``pcm`` says; ``_NotHeard`` (from the cause) when the recognizer, or loading
        it, failed."""
        try:
            recognizer = await self._recognizer()
            heard = (await recognize(recognizer, pcm, said_first=said_first)).text
        except Exception as error:
            raise _NotHeard from error
        self._not_heard_streak.heard()
        return heard

    def _near_miss(self, event: NearMiss) -> None:
        log.info("satellite.not_woken", uri=self.uri, **event.log_fields())

    async def _answer(self, client: AsyncClient, command: str) -> bool:
        """Hand ``command`` to the conversation and play its reply; whether there was one."""
        await client.write_event(Transcript(text=command).event())
        reply = await self._handle(command)
        self.answered += 1
        log.info("satellite.answered", uri=self.uri, replied=reply is not None)
        if reply:
            await self._say(client, reply)
        return bool(reply)

    async def _say(self, client: AsyncClient, text: str) -> None:
        """Play ``text`` on the satellite's speaker (when Jarvis speaks); a follow-up is heard
        once the satellite says it has played, or (one that never says so) once it should
        have."""
        if self._speaker is not None:
            played_s = await _speak(client, await self._speaker(), text)
            slack_s = PLAYED_WAIT_S if self._says_played else PLAYBACK_SLACK_S
            self._playing_until = asyncio.get_running_loop().time() + played_s + slack_s

    def _played(self) -> None:
        """The satellite says the reply has played: a follow-up may come from now on."""
        if not self._says_played:
            log.info("satellite.says_played", uri=self.uri)
        self._says_played = True
        self._playing_until = min(self._playing_until, asyncio.get_running_loop().time())


class _NotHeard(Exception):
    """The recognizer failed on a command (its ``__cause__`` says how)."""


async def _audio(
    client: AsyncClient, ear: SatelliteEar | None, played: Callable[[], None]
) -> AsyncGenerator[bytes, None]:
    """The satellite's microphone as 16 kHz mono int16 PCM, until it hangs up or ``ear`` is
    muted (then at once, even with a read under way: what the satellite sends after is never
    read); :class:`BadAudio` from a chunk that cannot be read as audio. ``played`` is called
    when the satellite says a reply has finished playing."""
    converter = chunk_converter()
    muting = None
    if ear is not None:
        muting = asyncio.create_task(ear.wait_muted(), name=f"mute switch {ear.uri}")
    try:
        while (event := await _next_event(client, muting)) is not None:
            if AudioChunk.is_type(event.type):
                yield read_chunk(event, converter).audio
            elif Played.is_type(event.type):
                played()
    finally:
        if muting is not None:
            await cancel_and_wait(muting)


async def _next_event(client: AsyncClient, muting: asyncio.Task[None] | None) -> Event | None:
    """The satellite's next event; ``None`` when it hung up or ``muting`` ended first."""
    if muting is None:
        return await client.read_event()
    if muting.done():
        return None
    reading = asyncio.create_task(client.read_event(), name="satellite event")
    try:
        await asyncio.wait((reading, muting), return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not reading.done():
            await cancel_and_wait(reading)  # the link is about to close: the read is moot
    if muting.done():
        return None  # an event read as the switch moved is dropped with the rest
    return reading.result()


async def until_deadline(
    frames: AsyncIterator[bytes], deadline: float, in_speech: Callable[[], bool]
) -> AsyncGenerator[bytes, None]:
    """``frames`` until the first to arrive after ``deadline`` (the loop's clock) while nobody
    is speaking, which is dropped (as ``command_window`` drops the one that ends it); ``frames``
    itself is never closed here."""
    loop = asyncio.get_running_loop()
    async for frame in frames:
        if loop.time() > deadline and not in_speech():
            return
        yield frame


async def _utterance(
    frames: AsyncIterator[bytes], endpointer: Endpointer, speaker: RoomLevels | None = None
) -> bytes | None:
    """The next utterance's audio, cut by the endpointer (in a worker thread); ``None`` when
    ``frames`` end before one does. The endpointer follows ``speaker`` (whoever said the wake
    word), as the voice loop's does; without it, it learns the speaker from each utterance."""
    endpointer.reset()
    endpointer.follow(speaker)
    async for pcm in frames:
        for ended in await asyncio.to_thread(endpointer.push, pcm):
            if isinstance(ended, SpeechEnded):
                return ended.pcm
    last = endpointer.flush()
    return last.pcm if last is not None else None


async def _speak(client: AsyncClient, speaker: Speaker, text: str) -> float:
    """Send ``text`` spoken to the satellite's speaker; how many seconds of audio that was."""
    started = False
    rate = SAMPLE_RATE_HZ
    seconds = 0.0
    async for speech in speaker.synthesize(text):
        rate = speech.sample_rate_hz
        if not started:
            await client.write_event(AudioStart(rate=rate, width=2, channels=1).event())
            started = True
        seconds += len(speech.pcm) / (2 * rate)
        step = CHUNK_SAMPLES * 2
        for offset in range(0, len(speech.pcm), step):
            audio = speech.pcm[offset : offset + step]
            await client.write_event(
                AudioChunk(rate=rate, width=2, channels=1, audio=audio).event()
            )
    if started:
        await client.write_event(AudioStop().event())
    return seconds

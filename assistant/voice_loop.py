"""The edge's voice: hear utterances, hand their text to the conversation, speak every reply.

Wired by ``assistant/app.py`` with one call::

    voice = await VoiceLoop.start(settings.data_dir, submit=conversation.submit_spoken, bus=bus,
                                  options=VoiceOptions(...))
    ...
    await voice.close()

Without a microphone it says so once and runs text-only (replies are still spoken when a sound
output exists); without a sound output replies are only published, as before. Listening and
speaking are separate tasks, so speaking never blocks listening, and talking over Jarvis (or the
push-to-talk key) interrupts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import structlog

from assistant.audio import AudioSource, duration_s
from assistant.audio.alarm_tone import alarm_tone
from assistant.audio.portaudio import PortAudioRescan
from assistant.audio.wake_word import DEFAULT_WAKE_WORD
from assistant.errors import (
    ModelNotFoundError,
    NoInputDeviceError,
    NoOutputDeviceError,
    PortAudioMissingError,
)
from assistant.events import WAKE_EVENT_KIND
from assistant.listening import LastNearMiss, LastWake, ListeningState, MutableSource, wake_heard
from assistant.not_heard import NotHeardStreak
from assistant.stt import Recognizer, words_doubted
from assistant.task_owner import TaskOwner
from assistant.tts import AudioPlayer
from models import Reply
from models.settings import WakeSensitivity

if TYPE_CHECKING:
    from assistant.audio.endpointing import RoomLevels
    from assistant.audio.speex_echo import EchoReference
    from assistant.audio.wake_word import NearMiss, WakeWordDetector
    from assistant.hotkey import PushToTalkGate
    from assistant.tts.queue import SpeechQueue
    from assistant.wake_gate import Wake, WakeGate

log = structlog.get_logger(__name__)


class Submit(Protocol):
    """Where the voice loop hands what it heard: the words, and whether whisper doubted them
    (``assistant.stt.words_doubted``)."""

    def __call__(self, text: str, *, words_doubted: bool = False) -> Awaitable[object]: ...


PTT_TRAILING_SILENCE_MS = 10_000
QUIET_S = 0.5
"""After an utterance that could not be heard, this long without speech means none was under
way: listening starts again."""
SKIP_MAX_S = 15.0
"""… and the rest of one that was under way is dropped for at most this long."""


class ReplySource(Protocol):
    """What ``assistant.events.ReplyBus`` offers: a subscription to every reply."""

    def subscribe(self) -> AbstractAsyncContextManager[asyncio.Queue[Reply]]: ...


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    stt_engine: Literal["auto", "vosk", "vosk-free", "whisper"] = "auto"
    vosk_model: Path | None = None
    whisper_model: Path | None = None
    language: str = "en"
    input_device: str | None = None
    """Microphone name (part of it) or index; the default input device when unset."""
    trailing_silence_ms: int = 600
    tts_engine: Literal["pyttsx3", "piper", "none"] = "pyttsx3"
    piper_voice: Path | None = None
    speak_to: Path | None = None
    """Write spoken replies into this WAV instead of the sound device (tests, headless boxes)."""
    listen_to: Path | None = None
    """Hear this WAV file instead of the microphone (tests, recordings)."""
    ptt_key: str | None = None
    """Push-to-talk key: one character is a terminal key (works over SSH, e.g. " "); a key name
    (``f8``) is a global hotkey in a desktop session. Unset means always listening."""
    barge_in: bool = True
    """Speech heard while Jarvis talks interrupts it (needs headphones or echo cancellation)."""
    wake_word: str | None = DEFAULT_WAKE_WORD
    """The phrase (or a trained ``.npz``) that wakes Jarvis; ``None`` listens all the time.
    Push-to-talk never needs it."""
    wake_sensitivity: WakeSensitivity = "normal"
    """``high``: the wake word's thresholds that miss fewer voices, for more false wakes."""
    wake_companion: bool = True
    """For "hey jarvis", microWakeWord's detector wakes Jarvis too (``wake_companion``)."""
    wake_check: bool = True
    """whisper's encoder checks the steps the detector half believes (``wake_check``)."""
    wake_slowed: bool = True
    """The heads hear a phrase they nearly believed again, slowed down (``wake_slowed``)."""
    follow_up_s: float = 5.0
    """After a reply, a follow-up may be said without the wake word for this long."""
    command_wait_s: float = 5.0
    """After the wake word, how long Jarvis waits for a command to start before sleeping."""
    noise_suppression: bool = False
    """For noisy rooms: WebRTC noise suppression and automatic gain on what the recognizer
    hears, and whisper steered toward the grammar (off: it costs accuracy in a quiet room)."""
    echo_cancellation: bool = True
    """Take Jarvis's own voice out of the microphone (speex): barge-in with loudspeakers.
    Without a canceller, talking over Jarvis needs the push-to-talk key."""


class VoiceLoop:
    """Owns the listening and speaking tasks; ``close()`` cancels and awaits them."""

    def __init__(self) -> None:
        self.mode: Literal["voice", "text-only"] = "text-only"
        self.speech: SpeechQueue | None = None
        """Speaks the replies; ``None`` when there is nowhere to play them."""
        self._tasks = TaskOwner("voice.task_failed")
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._last_end_of_speech: float | None = None
        self.listening = ListeningState()
        """What the ear is doing (the console shows it) and the mute switch."""
        self._publish: Callable[[Reply], None] | None = None
        self._answering = 0
        """Utterances submitted whose answer has not come back yet."""
        self.echo: EchoReference | None = None
        """What is being played, for the echo canceller; ``None`` without one."""
        self.rescan = PortAudioRescan()
        """Starts PortAudio again around the microphone (a speaker plugged in since)."""

    @classmethod
    async def start(
        cls,
        data_dir: Path,
        *,
        submit: Submit,
        bus: ReplySource,
        options: VoiceOptions | None = None,
        source: AudioSource | None = None,
        recognizer: Recognizer | None = None,
        player: AudioPlayer | None = None,
        on_status: Callable[[str], None] | None = None,
        listening: ListeningState | None = None,
        publish: Callable[[Reply], None] | None = None,
        wake_detector: WakeWordDetector | None = None,
        source_later: Callable[[], Awaitable[AudioSource]] | None = None,
        speaker_later: Callable[[PortAudioRescan], Awaitable[AudioPlayer]] | None = None,
    ) -> VoiceLoop:
        """Load what the options ask for (models once, off the loop) and start both tasks.

        ``source`` replaces the microphone (a ``WavSource`` in tests) and is closed by the loop;
        ``recognizer`` replaces loading one (the caller keeps and closes it); ``player``
        replaces the sound device or ``speak_to`` file (closed by the loop); ``on_status``
        receives the human-readable progress lines ("Loading whisper model…", "text-only: …");
        ``listening`` is told what the loop does (a ``MutableSource`` over it mutes the mic).
        ``publish`` receives the ``wake`` events for ``/v1/events``; ``wake_detector`` replaces
        loading the one ``options.wake_word`` names (the caller keeps it). Without a
        microphone, ``source_later`` is awaited in the background (a microphone plugged in
        later) and the loop listens to what it returns; without a speaker, ``speaker_later``
        is, and the loop speaks through what it returns.
        """
        options = options or VoiceOptions()
        say = on_status or (lambda line: log.info("voice.status", line=line))
        status = _once_each(say)
        loop = cls()
        loop.listening = listening or loop.listening
        loop._publish = publish
        try:
            await loop._start_speaking(options, bus, status, player)
            if loop.speech is None and speaker_later is not None and _may_plug_in(options):
                speak_later = loop._speak_once_plugged_in(speaker_later, options, bus, say)
                loop._spawn(speak_later, "voice-await-speaker")
            source = source or await _open_microphone(options, status)
            if source is not None:
                await loop._start_listening(
                    data_dir, options, source, submit, status, recognizer, wake_detector
                )
                loop._say_when_the_microphone_is_lost(say)
            elif source_later is not None:
                listen_later = loop._listen_once_plugged_in(
                    source_later, data_dir, options, submit, say, recognizer, wake_detector
                )
                loop._spawn(listen_later, "voice-await-microphone")
        except BaseException:
            await loop.close()
            raise
        return loop

    async def _start_speaking(
        self,
        options: VoiceOptions,
        bus: ReplySource,
        status: Callable[[str], None],
        player: AudioPlayer | None,
    ) -> None:
        from assistant.audio.speex_echo import EchoReference, canceller_problem

        player = player or _open_player(options, status, self.rescan)
        if options.echo_cancellation:
            problem = await asyncio.to_thread(canceller_problem)
            if problem is None:
                self.echo = EchoReference()
            else:
                status(f"{problem}; talking over Jarvis needs the push-to-talk key")
        if player is not None:
            await self._speak_through(player, options, bus)

    async def _speak_once_plugged_in(
        self,
        speaker_later: Callable[[PortAudioRescan], Awaitable[AudioPlayer]],
        options: VoiceOptions,
        bus: ReplySource,
        say: Callable[[str], None],
    ) -> None:
        """Replies shown, not spoken, until a speaker is plugged in; then spoken as if it had
        been there at start (its voice is loaded now: a machine that never gets one never
        pays for it). The replies before it stay shown only: a timer that rang is not said late."""
        player = await speaker_later(self.rescan)
        await self._speak_through(player, options, bus)
        say("A speaker was plugged in: replies are spoken")

    async def _speak_through(
        self, player: AudioPlayer, options: VoiceOptions, bus: ReplySource
    ) -> None:
        from assistant.audio.speex_echo import ReferencingPlayer
        from assistant.tts.queue import SpeechQueue, load_speaker

        if self.echo is not None:
            player = ReferencingPlayer(player, self.echo)
        speaker = await load_speaker(options.tts_engine, piper_voice=_str(options.piper_voice))
        speech = SpeechQueue(speaker, player, on_audio_start=self._first_audio)
        speech.start()
        self.speech = speech
        self.listening.speaking_from(lambda: speech.speaking)
        self.listening.set_speaker(True)
        self._closers.append(speech.close)
        self._spawn(self._speak_replies(bus, speech), "voice-speak")

    async def _speak_replies(self, bus: ReplySource, speech: SpeechQueue) -> None:
        async with bus.subscribe() as replies:
            while True:
                reply = await replies.get()
                if reply.kind == "alarm":
                    speech.play_sound("alarm", alarm_tone())  # a ringing alarm beeps first
                # A wake event is for listeners; a request marked cancelled says nothing.
                if reply.kind != WAKE_EVENT_KIND and reply.text.strip():
                    speech.say(reply.text)

    def _first_audio(self, text: str) -> None:
        if self._last_end_of_speech is not None:
            elapsed_ms = (time.perf_counter() - self._last_end_of_speech) * 1000
            log.info("voice.first_reply_audio", end_of_speech_to_audio_ms=round(elapsed_ms, 1))
            self._last_end_of_speech = None

    async def _start_listening(
        self,
        data_dir: Path,
        options: VoiceOptions,
        source: AudioSource,
        submit: Submit,
        status: Callable[[str], None],
        recognizer: Recognizer | None,
        wake_detector: WakeWordDetector | None,
    ) -> None:
        from assistant.audio.endpointing import Endpointer, EndpointSettings, load_detector
        from assistant.stt.auto import load_recognizer

        self._closers.append(source.close)
        if isinstance(source, MutableSource):
            self.rescan.microphone = source  # a speaker plugged in later is found around it
        if recognizer is None:
            try:
                recognizer = await load_recognizer(
                    options.stt_engine, data_dir, vosk_model=options.vosk_model,
                    whisper_model=options.whisper_model, language=options.language,
                    steer=options.noise_suppression, on_progress=status,
                )  # fmt: skip
            except ModelNotFoundError as error:
                status(f"text-only: {error}")
                return
            self._closers.append(recognizer.close)
        detector = await asyncio.to_thread(load_detector)
        # With push-to-talk, letting go of the key ends the utterance, not a pause in speech.
        trailing_ms = PTT_TRAILING_SILENCE_MS if options.ptt_key else options.trailing_silence_ms
        endpointer = Endpointer(detector, EndpointSettings(trailing_ms))
        try:
            gate = await self._wake_gate(data_dir, options, wake_detector, status)
        except ModelNotFoundError as error:
            # Never fall back to listening all the time: that is what the wake word prevents.
            status(f"text-only: {error}")
            return
        self.mode = "voice"
        self.listening.microphone = True
        self.listening.wake_word = gate.detector.model.phrase if gate else None
        self.listening.wake_sensitivity = gate.detector.model.sensitivity if gate else None
        self.listening.wake_companion = gate.detector.companion_name if gate else None
        self.listening.wake_check = gate.detector.check_name if gate else None
        self.listening.wake_slowed = gate.detector.slowed_name if gate else None
        enrolled = gate.detector.enrolled if gate else None
        self.listening.enrolled_voices = tuple(sorted(set(enrolled.names))) if enrolled else ()
        listen = _Listener(self, source, recognizer, endpointer, submit, options, gate)
        self._spawn(listen.run(), "voice-listen")
        waits_for = f"after '{gate.detector.model.phrase}'" if gate else "all the time"
        if options.ptt_key:
            waits_for = f"while {options.ptt_key!r} is held"
        status(
            f"Listening ({options.stt_engine}) {waits_for}; replies spoken: "
            f"{self.speech is not None}"
        )
        if self.listening.muted:
            # Kept from before the restart: say why the microphone is not heard.
            status("The microphone is muted: unmute it in the console or with `jarvis unmute`")

    async def _listen_once_plugged_in(
        self,
        source_later: Callable[[], Awaitable[AudioSource]],
        data_dir: Path,
        options: VoiceOptions,
        submit: Submit,
        say: Callable[[str], None],
        recognizer: Recognizer | None,
        wake_detector: WakeWordDetector | None,
    ) -> None:
        """Text-only until a microphone is plugged in; then the same as one found at start
        (its models are loaded now: a machine that never gets one never pays for them)."""
        source = await source_later()
        say("A microphone was plugged in")
        await self._start_listening(
            data_dir, options, source, submit, _once_each(say), recognizer, wake_detector
        )
        self._say_when_the_microphone_is_lost(say)

    def _say_when_the_microphone_is_lost(self, say: Callable[[str], None]) -> None:
        """A line each time the microphone stops by itself and each time it is back (every
        time, not once: a loose cable may come and go)."""
        listening = self.listening
        said = listening.microphone_lost

        def changed() -> None:
            nonlocal said
            if listening.microphone_lost == said:
                return
            if listening.microphone_lost is not None and said is None:
                say(f"The microphone stopped ({listening.microphone_lost}): "
                    "listening again as soon as it is back")  # fmt: skip
            elif listening.microphone_lost is None:
                say("The microphone is back: listening again")
            said = listening.microphone_lost

        undo = listening.on_change(changed)

        async def stop_saying() -> None:
            undo()

        self._closers.append(stop_saying)

    async def _wake_gate(
        self,
        data_dir: Path,
        options: VoiceOptions,
        detector: WakeWordDetector | None,
        status: Callable[[str], None],
    ) -> WakeGate | None:
        from assistant.audio.wake_word import WakeWordDetector
        from assistant.wake_gate import WakeGate

        if options.ptt_key or not options.wake_word:
            return None  # push-to-talk never needs the wake word
        if detector is None:
            status(f"Loading the wake word '{options.wake_word}'…")
            detector = await asyncio.to_thread(
                WakeWordDetector.load,
                options.wake_word,
                options.wake_sensitivity,
                data_dir,
                options.wake_companion,
                options.wake_check,
                options.wake_slowed,
            )
            if detector.companion is not None:
                status(f"Also woken by {detector.companion_name}'s '{options.wake_word}'")
            if detector.check is not None:
                status("Also woken where whisper's encoder hears the phrase (the whisper check)")
                if detector.check.veto > 0:
                    status("Strict: the whisper check overrules the wake word where it is sure")
            if detector.slowed is not None:
                status("A phrase the wake word nearly heard is heard again, slowed down")
            if detector.enrolled is not None:
                status(f"Enrolled voices: {len(set(detector.enrolled.names))}")
            if detector.enrolled_ignored is not None:
                status(f"Enrolled voices ignored: {detector.enrolled_ignored}")
        gate = WakeGate(detector)
        self._closers.append(gate.close)
        return gate

    def busy(self) -> bool:
        """Jarvis is answering or speaking: the follow-up window waits for it."""
        return self._answering > 0 or (self.speech is not None and not self.speech.idle)

    def woke(self, wake: Wake) -> None:
        """The wake word was heard: stop talking, chime, and tell the event stream."""
        from assistant.tts import Speech
        from assistant.wake_gate import earcon

        self.interrupt()
        heard = wake_heard(wake.woke)
        self.listening.woke(LastWake(time.time(), heard))
        if self.speech is not None:
            pcm, rate = earcon()
            self.speech.play_sound("wake", Speech(pcm, rate))
        if self._publish is not None:
            self._publish(Reply("", kind=WAKE_EVENT_KIND, woke=heard))

    def say_now(self, text: str) -> None:
        """Say ``text`` of the loop's own accord: on the replies' stream (spoken, shown in the
        console, kept) when the loop has one, else straight to the speaker."""
        if self._publish is not None:
            self._publish(Reply(text))
        elif self.speech is not None:
            self.speech.say(text)

    def not_woken(self, near_miss: NearMiss) -> None:
        """The detector fired and a check said no: Jarvis stays asleep, and says why."""
        log.info("voice.not_woken", **near_miss.log_fields())
        self.listening.not_woken(LastNearMiss(time.time(), near_miss))

    def interrupt(self) -> None:
        """Stop speaking now (barge-in)."""
        if self.speech is not None and self.speech.speaking:
            self.speech.interrupt()

    def _spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> None:
        self._tasks.spawn(coroutine, name)

    async def close(self) -> None:
        await self._tasks.cancel_all()
        for close in reversed(self._closers):
            await close()
        self._closers.clear()


class _Listener:
    def __init__(
        self,
        owner: VoiceLoop,
        source: AudioSource,
        recognizer: Any,
        endpointer: Any,
        submit: Submit,
        options: VoiceOptions,
        wake: WakeGate | None,
    ):
        self._owner = owner
        self._source = source
        self._recognizer = recognizer
        self._endpointer = endpointer
        self._submit = submit
        self._options = options
        self._wake = wake
        self._follow_up = False
        self._speaker: RoomLevels | None = None
        """How loud whoever said the wake word was: a follow-up is theirs too."""
        self._addressed = False
        """The utterance being heard was said to Jarvis (its speech started after the wake
        word or the key, or Jarvis listens all the time)."""
        # Listening all the time: no wake word, no key.
        self._not_heard = NotHeardStreak(always_listening=wake is None and not options.ptt_key)

    async def run(self) -> None:
        frames = self._microphone()
        async with contextlib.AsyncExitStack() as stack:
            gate = await self._push_to_talk(stack)
            while True:
                self._addressed = False
                try:
                    if not await self._hear_one(frames, gate):
                        return
                except Exception as error:
                    # One utterance that could not be heard (a recognizer that failed, a
                    # detector that raised) must not leave Jarvis deaf until a restart.
                    log.exception("voice.hear_failed", error=f"{type(error).__name__}: {error}")
                    self._owner.listening.set_phase("waiting")
                    if self._addressed:
                        self._say_not_heard()
                    await self._skip_the_rest(frames)

    def _say_not_heard(self) -> None:
        """Someone spoke to Jarvis and would otherwise wait for an answer (never before the
        wake word: nobody asked, and the room must not hear it)."""
        said = self._not_heard.failed()
        if said is not None:
            self._owner.say_now(said)
        # "Please say it again" is answered without the wake word, as a follow-up is.
        self._follow_up = (
            self._not_heard.follow_up and self._wake is not None and self._options.follow_up_s > 0
        )

    async def _skip_the_rest(self, frames: AsyncIterator[bytes]) -> None:
        """After an utterance that could not be heard, drop the rest of it: the endpointer hears
        the frames until the speech under way ends (or, after ``QUIET_S``, none is), so the tail
        of a failed command is not taken for a command of its own. Nothing else hears them."""
        from assistant.audio.endpointing import SpeechEnded

        self._endpointer.reset()
        heard_s = 0.0
        async for pcm in frames:
            events = await asyncio.to_thread(self._endpointer.push, pcm)
            heard_s += duration_s(pcm)
            if any(isinstance(event, SpeechEnded) for event in events):
                break
            if heard_s >= SKIP_MAX_S or (heard_s >= QUIET_S and not self._endpointer.in_speech):
                break
        self._endpointer.reset()

    async def _hear_one(self, frames: AsyncIterator[bytes], gate: PushToTalkGate | None) -> bool:
        """Hear one utterance and hand it on; false when the source ended."""
        from assistant.interpreter import interpret
        from assistant.stt.listen import hear_next

        if self._wake is not None:
            return await self._hear_after_wake(frames)
        heard_frames = gate.frames(frames) if gate else _same(frames)
        async with (
            contextlib.aclosing(heard_frames) as passed,
            contextlib.aclosing(self._cleaned(passed)) as s,
        ):
            heard = await hear_next(
                s,
                self._recognizer,
                self._endpointer,
                interpret,
                on_speech_start=self._speech_started,
            )
        if heard is None:
            if gate is None:
                log.info("voice.source_ended")
                return False
            return True
        self._not_heard.heard()
        self._owner.listening.set_phase("thinking" if heard.transcript.text else "waiting")
        if heard.transcript.text:
            self._owner._last_end_of_speech = heard.ended_at
            log.info("voice.heard", **heard.to_json())
            self._owner._spawn(
                self._submit_safely(heard.transcript.text, words_doubted(heard.transcript)),
                "voice-submit",
            )
        return True

    def _microphone(self) -> AsyncIterator[bytes]:
        """The source's frames, with Jarvis's own voice cancelled when a canceller runs."""
        from assistant.audio.speex_echo import EchoCanceller, echo_cancelled

        frames = self._source.frames()
        if self._owner.echo is None:
            return frames
        return echo_cancelled(frames, EchoCanceller.create(), self._owner.echo)

    def _cleaned(self, frames: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
        """What the recognizer hears: noise suppressed and gain applied, when asked for."""
        from assistant.audio.noise_gain import NoiseGain, cleaned

        if not self._options.noise_suppression:
            return _same(frames)
        return cleaned(frames, NoiseGain.create())

    def _speech_started(self) -> None:
        # Only speech Jarvis acts on starts here: after the wake word or the key, or any
        # speech when it listens all the time.
        self._addressed = True
        self._owner.listening.set_phase("listening")
        if self._speech_barge_in():
            self._owner.interrupt()

    def _speech_barge_in(self) -> bool:
        """Speech interrupts Jarvis only when its own voice is cancelled from the microphone
        (or nothing is played aloud); otherwise it would interrupt itself."""
        return self._options.barge_in and (
            self._owner.echo is not None or self._owner.speech is None
        )

    async def _hear_after_wake(self, frames: AsyncIterator[bytes]) -> bool:
        """Sleep until the wake word (unless a follow-up may come), then hear one command;
        false when the source ended."""
        from assistant.interpreter import interpret
        from assistant.stt.listen import hear_next
        from assistant.wake_gate import AfterWake, command_window

        assert self._wake is not None
        first, limit_s = b"", self._options.follow_up_s
        wake: Wake | None = None
        if not self._follow_up:
            wake = await self._wake.wait(frames, self._owner.not_woken)
            if wake is None:
                log.info("voice.source_ended")
                return False
            # ``enrolled_voice``: the name someone enrolled under, when their own phrase woke it;
            # ``by``: the companion detector or the whisper check, when our heads did not wake it.
            log.info("voice.woke", at_s=round(wake.woke.at_s, 2), score=round(wake.woke.score, 3),
                     verifier_score=round(wake.woke.verifier_score, 3),
                     enrolled_voice=wake.woke.voice, by=wake.woke.by)  # fmt: skip
            self._owner.woke(wake)
            first, limit_s = wake.after, self._options.command_wait_s
            self._speaker = wake.levels
        self._endpointer.reset()
        # Automatic gain changes the level after the wake word: then each utterance's own first
        # second tells the endpointer who to follow.
        if not self._options.noise_suppression:
            self._endpointer.follow(self._speaker)
        window = command_window(
            frames, first, limit_s=limit_s, in_speech=lambda: self._endpointer.in_speech,
            busy=self._owner.busy, hear_while_busy=self._speech_barge_in(),
        )  # fmt: skip
        # The first utterance is the phrase itself, and maybe the command in the same breath.
        after = AfterWake(self._wake.detector.model.phrase, wake, self._endpointer)
        async with (
            contextlib.aclosing(window) as passed,
            contextlib.aclosing(self._cleaned(passed)) as stream,
        ):
            while True:
                heard = await hear_next(
                    stream,
                    self._recognizer,
                    self._endpointer,
                    interpret,
                    on_speech_start=self._speech_started,
                    said_first=after.said_first,
                    keep=after.worth_decoding,
                )
                text = after.command(heard.transcript.text) if heard else ""
                if heard is not None:
                    self._not_heard.heard()
                # Only the wake phrase (a pause after it), or a noise: wait on for the command.
                if heard is None or text:
                    break
        if heard is None or not text:
            reason = (
                "follow-up window ended" if self._follow_up else "no command after the wake word"
            )
            log.info("voice.asleep", reason=reason)
            self._owner.listening.set_phase("waiting")
            self._follow_up = False
            return True
        self._owner._last_end_of_speech = heard.ended_at
        log.info("voice.heard", **{**heard.to_json(), "transcript": text})
        self._owner.listening.set_phase("thinking")
        self._follow_up = self._options.follow_up_s > 0
        # Whisper was told the wake phrase came first when it opened this utterance.
        doubted = words_doubted(heard.transcript, after_wake=after.phrase_told)
        self._owner._spawn(self._submit_safely(text, doubted), "voice-submit")
        return True

    async def _push_to_talk(self, stack: contextlib.AsyncExitStack) -> PushToTalkGate | None:
        if not self._options.ptt_key:
            return None
        from assistant.hotkey import GlobalHotkey, PushToTalkGate, TerminalHotkey, desktop_session

        key = self._options.ptt_key
        hotkey: TerminalHotkey | GlobalHotkey
        hotkey = GlobalHotkey(key) if len(key) > 1 and desktop_session() else TerminalHotkey(key)
        await stack.enter_async_context(hotkey)
        return PushToTalkGate(hotkey, self._owner.interrupt)

    async def _submit_safely(self, text: str, doubted: bool) -> None:
        self._owner._answering += 1
        try:
            await self._submit(text, words_doubted=doubted)
        except Exception as error:  # one failed request must not stop the listening
            log.error("voice.submit_failed", text=text, error=repr(error))
        finally:
            self._owner._answering -= 1
            self._owner.listening.set_phase("waiting")


def _may_plug_in(options: VoiceOptions) -> bool:
    """Whether replies would be spoken through a sound device plugged in later."""
    return options.tts_engine != "none" and options.speak_to is None


def _open_player(
    options: VoiceOptions, status: Callable[[str], None], rescan: PortAudioRescan
) -> Any:
    from assistant.audio.playback import SoundDevicePlayer, WavFilePlayer

    if options.tts_engine == "none":
        return None
    if options.speak_to is not None:
        return WavFilePlayer(options.speak_to)
    try:
        return SoundDevicePlayer(rescan=rescan)
    except PortAudioMissingError as error:
        status(f"text-only: {error}")  # the microphone says the same; said once
        return None
    except NoOutputDeviceError as error:
        status(f"{error}; replies are shown, not spoken")
        return None


async def _open_microphone(options: VoiceOptions, status: Callable[[str], None]) -> Any:
    from assistant.audio.microphone import Microphone
    from assistant.audio.wav_source import WavSource

    if options.listen_to is not None:
        return WavSource(options.listen_to)

    try:
        return await Microphone.open(options.input_device)
    except NoInputDeviceError as error:
        status(f"text-only: {error}")
        return None


async def _same(frames: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
    """``frames`` itself, behind a generator that can be closed without closing the source."""
    async for frame in frames:
        yield frame


def _once_each(status: Callable[[str], None]) -> Callable[[str], None]:
    """``status``, passing each distinct line only the first time."""
    said: set[str] = set()

    def once(line: str) -> None:
        if line not in said:
            said.add(line)
            status(line)

    return once


def _str(path: Path | None) -> str | None:
    return str(path) if path is not None else None

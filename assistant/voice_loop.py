"""The edge's voice: hear utterances, hand their text to the conversation, speak every reply.

Wired by ``assistant/app.py`` with one call::

    voice = await VoiceLoop.start(settings.data_dir, submit=conversation.submit, bus=bus,
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
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import structlog

from assistant.audio import AudioSource
from assistant.audio.alarm_tone import alarm_tone
from assistant.errors import (
    ModelNotFoundError,
    NoInputDeviceError,
    NoOutputDeviceError,
    PortAudioMissingError,
)
from assistant.listening import ListeningState
from assistant.stt import Recognizer
from assistant.tts import AudioPlayer
from models import Reply

if TYPE_CHECKING:
    from assistant.hotkey import PushToTalkGate
    from assistant.tts.queue import SpeechQueue

log = structlog.get_logger(__name__)

Submit = Callable[[str], Awaitable[object]]
PTT_TRAILING_SILENCE_MS = 10_000


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
    ptt_key: str | None = None
    """Push-to-talk key: one character is a terminal key (works over SSH, e.g. " "); a key name
    (``f8``) is a global hotkey in a desktop session. Unset means always listening."""
    barge_in: bool = True
    """Speech heard while Jarvis talks interrupts it (needs headphones or echo cancellation)."""


class VoiceLoop:
    """Owns the listening and speaking tasks; ``close()`` cancels and awaits them."""

    def __init__(self) -> None:
        self.mode: Literal["voice", "text-only"] = "text-only"
        self.speech: SpeechQueue | None = None
        """Speaks the replies; ``None`` when there is nowhere to play them."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._last_end_of_speech: float | None = None
        self.listening = ListeningState()
        """What the ear is doing (the console shows it) and the mute switch."""

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
    ) -> VoiceLoop:
        """Load what the options ask for (models once, off the loop) and start both tasks.

        ``source`` replaces the microphone (a ``WavSource`` in tests) and is closed by the loop;
        ``recognizer`` replaces loading one (the caller keeps and closes it); ``player``
        replaces the sound device or ``speak_to`` file (closed by the loop); ``on_status``
        receives the human-readable progress lines ("Loading whisper model…", "text-only: …");
        ``listening`` is told what the loop does (a ``MutableSource`` over it mutes the mic).
        """
        options = options or VoiceOptions()
        status = _once_each(on_status or (lambda line: log.info("voice.status", line=line)))
        loop = cls()
        loop.listening = listening or loop.listening
        try:
            await loop._start_speaking(options, bus, status, player)
            source = source or await _open_microphone(options, status)
            if source is not None:
                await loop._start_listening(data_dir, options, source, submit, status, recognizer)
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
        from assistant.tts.queue import SpeechQueue, load_speaker

        player = player or _open_player(options, status)
        if player is None:
            return
        speaker = await load_speaker(options.tts_engine, piper_voice=_str(options.piper_voice))
        speech = SpeechQueue(speaker, player, on_audio_start=self._first_audio)
        speech.start()
        self.speech = speech
        self.listening.speaking_from(lambda: speech.speaking)
        self._closers.append(speech.close)
        self._spawn(self._speak_replies(bus, speech), "voice-speak")

    async def _speak_replies(self, bus: ReplySource, speech: SpeechQueue) -> None:
        async with bus.subscribe() as replies:
            while True:
                reply = await replies.get()
                if reply.kind == "alarm":
                    speech.play(alarm_tone())  # a ringing alarm beeps before its words
                if reply.text.strip():  # a request marked cancelled says nothing
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
    ) -> None:
        from assistant.audio.endpointing import Endpointer, EndpointSettings, load_detector
        from assistant.stt.auto import load_recognizer

        self._closers.append(source.close)
        if recognizer is None:
            try:
                recognizer = await load_recognizer(
                    options.stt_engine, data_dir, vosk_model=options.vosk_model,
                    whisper_model=options.whisper_model, language=options.language,
                    on_progress=status,
                )  # fmt: skip
            except ModelNotFoundError as error:
                status(f"text-only: {error}")
                return
            self._closers.append(recognizer.close)
        detector = await asyncio.to_thread(load_detector)
        # With push-to-talk, letting go of the key ends the utterance, not a pause in speech.
        trailing_ms = PTT_TRAILING_SILENCE_MS if options.ptt_key else options.trailing_silence_ms
        endpointer = Endpointer(detector, EndpointSettings(trailing_ms))
        self.mode = "voice"
        self.listening.microphone = True
        listen = _Listener(self, source, recognizer, endpointer, submit, options)
        self._spawn(listen.run(), "voice-listen")
        status(f"Listening ({options.stt_engine}); replies spoken: {self.speech is not None}")

    def interrupt(self) -> None:
        """Stop speaking now (barge-in)."""
        if self.speech is not None and self.speech.speaking:
            self.speech.interrupt()

    def _spawn(self, coroutine: Any, name: str) -> None:
        task = asyncio.create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("voice.task_failed", task=task.get_name(), error=repr(task.exception()))

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
    ):
        self._owner = owner
        self._source = source
        self._recognizer = recognizer
        self._endpointer = endpointer
        self._submit = submit
        self._options = options

    async def run(self) -> None:
        from assistant.interpreter import interpret
        from assistant.stt.listen import hear_next

        frames = self._source.frames()
        listening = self._owner.listening

        def speech_started() -> None:
            listening.set_phase("listening")
            if self._options.barge_in:
                self._owner.interrupt()

        async with contextlib.AsyncExitStack() as stack:
            gate = await self._push_to_talk(stack)
            while True:
                async with contextlib.aclosing(gate.frames(frames) if gate else _same(frames)) as s:
                    heard = await hear_next(
                        s,
                        self._recognizer,
                        self._endpointer,
                        interpret,
                        on_speech_start=speech_started,
                    )
                if heard is None:
                    if gate is None:
                        log.info("voice.source_ended")
                        return
                    continue
                listening.set_phase("thinking" if heard.transcript.text else "waiting")
                if heard.transcript.text:
                    self._owner._last_end_of_speech = heard.ended_at
                    log.info("voice.heard", **heard.to_json())
                    self._owner._spawn(self._submit_safely(heard.transcript.text), "voice-submit")

    async def _push_to_talk(self, stack: contextlib.AsyncExitStack) -> PushToTalkGate | None:
        if not self._options.ptt_key:
            return None
        from assistant.hotkey import GlobalHotkey, PushToTalkGate, TerminalHotkey, desktop_session

        key = self._options.ptt_key
        hotkey: TerminalHotkey | GlobalHotkey
        hotkey = GlobalHotkey(key) if len(key) > 1 and desktop_session() else TerminalHotkey(key)
        await stack.enter_async_context(hotkey)
        return PushToTalkGate(hotkey, self._owner.interrupt)

    async def _submit_safely(self, text: str) -> None:
        try:
            await self._submit(text)
        except Exception as error:  # one failed request must not stop the listening
            log.error("voice.submit_failed", text=text, error=repr(error))
        finally:
            self._owner.listening.set_phase("waiting")


def _open_player(options: VoiceOptions, status: Callable[[str], None]) -> Any:
    from assistant.audio.playback import SoundDevicePlayer, WavFilePlayer

    if options.tts_engine == "none":
        return None
    if options.speak_to is not None:
        return WavFilePlayer(options.speak_to)
    try:
        return SoundDevicePlayer()
    except PortAudioMissingError as error:
        status(f"text-only: {error}")  # the microphone says the same; said once
        return None
    except NoOutputDeviceError as error:
        status(f"{error}; replies are shown, not spoken")
        return None


async def _open_microphone(options: VoiceOptions, status: Callable[[str], None]) -> Any:
    from assistant.audio.microphone import Microphone

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

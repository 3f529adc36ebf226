"""Speaking replies in order, in the background, interruptibly.

``say`` never blocks: replies queue and one task speaks them one after another. ``interrupt``
stops the current reply mid-word and drops the queued ones (the user started talking, or pressed
push-to-talk). The queue owns its speaker and player and closes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import structlog

from assistant.tts import AudioPlayer, Speaker, Speech
from jarvis.tasks import cancel_and_wait

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Sound:
    name: str
    speech: Speech


class SpeechQueue:
    def __init__(
        self,
        speaker: Speaker,
        player: AudioPlayer,
        *,
        on_audio_start: Callable[[str], None] | None = None,
    ):
        self._speaker = speaker
        self._player = player
        self._on_audio_start = on_audio_start
        self._pending: asyncio.Queue[str | _Sound] = asyncio.Queue()
        self._idle = asyncio.Event()
        self._idle.set()
        self._runner: asyncio.Task[None] | None = None
        self._current: asyncio.Task[None] | None = None
        self.spoken: list[str] = []
        """Replies spoken to the end, in order."""
        self.interrupted: list[str] = []
        """Replies cut off or dropped by ``interrupt``."""
        self.sounds: list[str] = []
        """Names of the sounds played (``play_sound``), in order."""

    async def __aenter__(self) -> SpeechQueue:
        self.start()
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    def start(self) -> None:
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="speech-queue")

    @property
    def speaking(self) -> bool:
        return self._current is not None

    @property
    def idle(self) -> bool:
        """Nothing is being spoken or waiting to be."""
        return self._idle.is_set()

    def say(self, text: str) -> None:
        """Queue ``text`` to be spoken after everything queued before it."""
        if text.strip():
            self._idle.clear()
            self._pending.put_nowait(text)

    def play_sound(self, name: str, speech: Speech) -> None:
        """Queue a short sound (the wake chime, an alarm tone) like a reply; ``interrupt``
        drops it too."""
        self._idle.clear()
        self._pending.put_nowait(_Sound(name, speech))

    async def speak_all(self, replies: AsyncIterator[str]) -> None:
        """Queue every text ``replies`` yields, until it ends (or this task is cancelled)."""
        async for text in replies:
            self.say(text)

    def interrupt(self) -> None:
        """Stop speaking now and forget what was queued."""
        while not self._pending.empty():
            if isinstance(item := self._pending.get_nowait(), str):
                self.interrupted.append(item)
        if self._current is not None:
            self._current.cancel()
        elif self._pending.empty():
            self._idle.set()

    async def drain(self) -> None:
        """Wait until everything queued has been spoken (or interrupted)."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            item = await self._pending.get()
            if isinstance(item, _Sound):
                done = await self._play_alone(self._player.play(item.speech), "sound")
                if not done.cancelled() and done.exception() is None:
                    self.sounds.append(item.name)
                continue
            done = await self._play_alone(self._speak(item), "speak")
            if done.cancelled():
                self.interrupted.append(item)
            elif (error := done.exception()) is not None:
                log.error("tts.failed", text=item, error=repr(error))
            else:
                self.spoken.append(item)

    async def _play_alone(
        self, playing: Coroutine[Any, Any, None], name: str
    ) -> asyncio.Task[None]:
        """Run one reply or sound as a task of its own, so that barge-in (``interrupt``) can cut
        it, even a long alarm tone; returns it once done (finished, failed or cut)."""
        task = self._current = asyncio.create_task(playing, name=name)
        try:
            # wait() does not raise when the task is cancelled by interrupt(); only when this
            # runner itself is cancelled, and then the finally cancels the task too.
            await asyncio.wait({task})
            return task
        finally:
            if not task.done():
                task.cancel()
            self._current = None
            if self._pending.empty():
                self._idle.set()

    async def _speak(self, text: str) -> None:
        first = True
        async for speech in self._speaker.synthesize(text):
            if first and self._on_audio_start:
                self._on_audio_start(text)
            first = False
            await self._player.play(speech)

    async def close(self) -> None:
        """Stop speaking, end the runner, and close the speaker and the player."""
        await cancel_and_wait(self._runner)
        self._runner = None
        await self._player.close()
        await self._speaker.close()


async def load_speaker(engine: str, *, piper_voice: str | None = None) -> Speaker:
    """The speaker ``engine`` names (``pyttsx3`` or ``piper``), loaded off the event loop."""
    from pathlib import Path

    if engine == "piper":
        from assistant.tts.piper_speaker import PiperSpeaker

        return await PiperSpeaker.load(Path(piper_voice) if piper_voice else None)
    from assistant.tts.pyttsx3_speaker import Pyttsx3Speaker

    return await Pyttsx3Speaker.load()

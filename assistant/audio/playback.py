"""Where speech is played: the sound device (sounddevice) or a WAV file (tests, ``--speak-to``).

Both implement ``assistant.tts.AudioPlayer``: ``play`` returns when the audio has been played and
cancelling it stops the sound at once (barge-in).
"""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from assistant.audio import SAMPLE_WIDTH_BYTES, resample, to_float, to_pcm
from assistant.audio.portaudio import (
    close_stream,
    load_sounddevice,
    open_stream,
    opened_in_thread,
    query_devices,
)
from assistant.errors import NoOutputDeviceError
from assistant.tts import Speech

log = structlog.get_logger(__name__)

STALL_SLACK_S = 2.0
"""How much longer than its length a reply may take to play (the device's own latency is a
fraction of this) before the speaker counts as gone."""
CHUNK_S = 0.02
"""Granularity of a paced WAV write: an interruption cuts the file within 20 ms."""


def has_output_device() -> bool:
    """Whether a device can play sound; ``PortAudioMissingError`` when PortAudio is missing."""
    sounddevice = load_sounddevice()
    try:
        devices: Any = query_devices()
    except sounddevice.PortAudioError:
        return False
    return any(int(d["max_output_channels"]) > 0 for d in devices)


class SoundDevicePlayer:
    """Plays through the default output device; the audio thread signals the end back.

    ``rescan`` starts PortAudio again (``portaudio.PortAudioRescan``) when a reply cannot be
    opened on the device: PortAudio lists the devices plugged in when it started, so a speaker
    pulled out and put back (under another card number, on bare ALSA) is found only then.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        rescan: Callable[[], Awaitable[bool]] | None = None,
    ):
        if not has_output_device():
            raise NoOutputDeviceError("no sound output device: replies cannot be played aloud")
        self._device = device
        self._rescan = rescan

    async def play(self, speech: Speech) -> None:
        sounddevice = load_sounddevice()
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        remaining = memoryview(speech.pcm)

        def callback(outdata: Any, _frames: int, _time: Any, _status: Any) -> None:
            nonlocal remaining
            size = len(outdata)
            piece, remaining = remaining[:size], remaining[size:]
            outdata[: len(piece)] = piece
            outdata[len(piece) :] = b"\0" * (size - len(piece))
            if not piece:
                raise sounddevice.CallbackStop

        def settle() -> None:
            if not done.done():
                done.set_result(None)

        def finished() -> None:
            loop.call_soon_threadsafe(settle)

        def start() -> Any:
            stream = sounddevice.RawOutputStream(
                samplerate=speech.sample_rate_hz, channels=1, dtype="int16",
                device=self._device, callback=callback, finished_callback=finished,
            )  # fmt: skip
            try:
                stream.start()
            except BaseException:
                stream.close()
                raise
            return stream

        def stop(stream: Any) -> None:
            try:
                # abort() drops the buffered audio (barge-in): silence within milliseconds.
                stream.abort()
            finally:
                close_stream(stream)  # closed even when the device was pulled out mid-reply

        stream = await self._opened(start, stop)
        length_s = len(speech.pcm) / (SAMPLE_WIDTH_BYTES * speech.sample_rate_hz)
        try:
            # A speaker pulled out mid-reply may stop calling back without finishing the
            # stream: waited for without end, every later reply would queue behind it, and
            # Jarvis would count as speaking (follow-up windows never open).
            async with asyncio.timeout(length_s + STALL_SLACK_S):
                await done
        except TimeoutError:
            log.warning("playback.stalled", length_s=round(length_s, 2))
            raise NoOutputDeviceError(
                f"the speaker stopped playing: {length_s:.1f} s of speech had not played "
                f"after {length_s + STALL_SLACK_S:.1f} s"
            ) from None
        finally:
            await asyncio.to_thread(stop, stream)

    async def _opened(self, start: Callable[[], Any], stop: Callable[[Any], None]) -> Any:
        """The stream ``start`` opens; once more after a rescan if the device would not open;
        ``NoOutputDeviceError`` saying why otherwise."""
        sounddevice = load_sounddevice()
        try:
            # Opened in a thread: opening a sound device blocks, and so does a rescan of the
            # devices holding PortAudio meanwhile.
            return await opened_in_thread(lambda: open_stream(start), stop)
        except sounddevice.PortAudioError as error:
            failure = error
        log.warning("playback.open_failed", error=str(failure))
        if self._rescan is not None and await self._rescan():
            try:
                return await opened_in_thread(lambda: open_stream(start), stop)
            except sounddevice.PortAudioError as error:
                failure = error
        raise NoOutputDeviceError(f"the speaker cannot be opened: {failure}") from None

    async def close(self) -> None:
        pass


class WavFilePlayer:
    """Appends everything "played" to one WAV file, at the first speech's sample rate.

    ``realtime`` paces the writing like a loudspeaker, so an interruption truncates the file the
    way it would cut the sound.
    """

    def __init__(self, path: Path, *, realtime: bool = False):
        self.path = path
        self._realtime = realtime
        self._out: wave.Wave_write | None = None
        self._rate_hz = 0
        self.first_audio_at: float | None = None
        """``time.perf_counter()`` when the first audio was written."""
        self.played_s = 0.0

    async def play(self, speech: Speech) -> None:
        pcm = self._at_file_rate(speech)
        if not self._realtime:
            await asyncio.to_thread(self._write, pcm)
            return
        step = 2 * round(self._rate_hz * CHUNK_S)
        for start in range(0, len(pcm), step):
            await asyncio.to_thread(self._write, pcm[start : start + step])
            await asyncio.sleep(CHUNK_S)  # pacing like a loudspeaker, not waiting for an event

    def _at_file_rate(self, speech: Speech) -> bytes:
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = wave.open(str(self.path), "wb")  # noqa: SIM115  (closed by close())
            self._out.setnchannels(1)
            self._out.setsampwidth(2)
            self._out.setframerate(speech.sample_rate_hz)
            self._rate_hz = speech.sample_rate_hz
        if speech.sample_rate_hz == self._rate_hz:
            return speech.pcm
        samples = resample(to_float(speech.pcm), speech.sample_rate_hz, self._rate_hz)
        return to_pcm(np.asarray(samples))

    def _write(self, pcm: bytes) -> None:
        assert self._out is not None
        if self.first_audio_at is None:
            self.first_audio_at = time.perf_counter()
        self._out.writeframes(pcm)
        self.played_s += len(pcm) / (2 * self._rate_hz)

    async def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

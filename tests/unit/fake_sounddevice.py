"""sounddevice with one USB microphone, for the tests of what Jarvis does when a device stops,
goes, or comes: there is no sound hardware on this machine, so PortAudio's side is the only
fake here (the real PortAudio is restarted in ``test_microphone_plug.py`` too)."""

from __future__ import annotations

import threading

import pytest

USB_MIC = {
    "name": "USB Mic",
    "max_input_channels": 1,
    "max_output_channels": 0,
    "default_samplerate": 48000.0,
}
SPEAKER = {
    "name": "Speaker",
    "max_input_channels": 0,
    "max_output_channels": 2,
    "default_samplerate": 48000.0,
}


class FakeSoundDevice:
    """Its stream plays a script on its own thread: ``frames`` frames are called back, then the
    stream either finishes by itself (``then="finished"``, as PortAudio does when a device
    fails), goes quiet (``then="quiet"``, as ALSA often does when a USB microphone is pulled
    out) or goes on, a frame every 10 ms, until closed (``then="live"``). As PortAudio does,
    it lists the devices plugged in when it last started (``_initialize``), not the ones
    plugged in since (``plugged_in`` for the microphone, ``speaker_plugged_in`` for the
    speaker)."""

    PortAudioError = OSError

    class CallbackStop(Exception):
        """What a callback raises to end its stream once all was played."""

    def __init__(
        self,
        frames: int = 0,
        then: str = "quiet",
        *,
        plugged_in: bool = True,
        speaker_stalls: int = 0,
        speaker_plugged_in: bool = True,
    ) -> None:
        self.script = (frames, then)
        self.closed = threading.Event()
        self.plugged_in = plugged_in
        self._listed = plugged_in
        self.speaker_plugged_in = speaker_plugged_in
        self._speaker_listed = speaker_plugged_in
        self._initialized = 1
        self.restarts = 0
        self.opened = 0
        self.speakers: list[FakeSoundDevice.Speaker] = []
        self.speaker_stalls = speaker_stalls
        """How many of the next replies stop being called back after five blocks (a speaker
        pulled out mid-reply) until aborted."""

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for module in (
            "assistant.audio.portaudio",
            "assistant.audio.microphone",
            "assistant.audio.playback",
        ):
            monkeypatch.setattr(f"{module}.load_sounddevice", lambda: self)

    def _terminate(self) -> None:
        assert self._initialized > 0, "PortAudio stopped twice"
        self._initialized -= 1

    def _initialize(self) -> None:
        self._initialized += 1
        self.restarts += 1
        self._listed = self.plugged_in
        self._speaker_listed = self.speaker_plugged_in

    def query_devices(self) -> list[dict[str, object]]:
        assert self._initialized, "PortAudio asked while stopped"
        return [USB_MIC] * self._listed + [SPEAKER] * self._speaker_listed

    def RawInputStream(self, **kwargs: object) -> FakeSoundDevice.Stream:
        if not self.plugged_in:
            raise self.PortAudioError("Device unavailable [PaErrorCode -9985]")
        self.opened += 1
        return FakeSoundDevice.Stream(self, kwargs)

    def RawOutputStream(self, **kwargs: object) -> FakeSoundDevice.Speaker:
        if not (self.speaker_plugged_in and self._speaker_listed):
            # As PortAudio on ALSA: a device pulled out, or one not in its list since it started.
            raise self.PortAudioError("Error querying device -1")
        stalls = self.speaker_stalls > 0
        self.speaker_stalls -= stalls
        self.speakers.append(FakeSoundDevice.Speaker(kwargs, stalls=stalls))
        return self.speakers[-1]

    class Speaker:
        """Plays (into ``played``) on its own thread, 20 ms a block at the stream's rate, until
        the callback stops it, as PortAudio does; ``heard`` is set once the first block was
        taken."""

        def __init__(self, kwargs: dict[str, object], *, stalls: bool = False) -> None:
            self._callback = kwargs["callback"]
            self._finished = kwargs["finished_callback"]
            self._thread = threading.Thread(target=self._play)
            self._aborted = threading.Event()
            self._stalls = stalls
            self._block_bytes = 2 * round(int(kwargs["samplerate"]) * 0.02)  # type: ignore[call-overload]
            self.played = bytearray()
            self.heard = threading.Event()
            self.closed = False

        def start(self) -> None:
            self._thread.start()

        def _play(self) -> None:
            blocks = 0
            while not self._aborted.wait(0.02):
                blocks += 1
                if self._stalls and blocks > 5:
                    continue  # no more callbacks, and no end: only an abort stops it
                block = bytearray(self._block_bytes)
                try:
                    self._callback(block, self._block_bytes // 2, None, None)  # type: ignore[operator]
                except FakeSoundDevice.CallbackStop:
                    self.played += block
                    break
                self.played += block
                self.heard.set()
            self._finished()  # type: ignore[operator]

        def abort(self) -> None:
            self._aborted.set()

        def close(self) -> None:
            self._aborted.set()
            self._thread.join()
            self.closed = True

    class Stream:
        def __init__(self, device: FakeSoundDevice, kwargs: dict[str, object]) -> None:
            self._device = device
            self._callback = kwargs["callback"]
            self._finished = kwargs["finished_callback"]
            self._thread = threading.Thread(target=self._play)
            self._finished_once = threading.Lock()
            self._closing = threading.Event()

        def start(self) -> None:
            self._thread.start()

        def _play(self) -> None:
            frames, then = self._device.script
            for n in range(frames):
                self._callback(bytes([n]) * 640, 320, None, None)  # type: ignore[operator]
            while then == "live" and not self._closing.wait(0.01):
                self._callback(bytes(640), 320, None, None)  # type: ignore[operator]
            if then == "finished":
                self._finish()

        def _finish(self) -> None:
            if self._finished_once.acquire(blocking=False):
                self._finished()  # type: ignore[operator]

        def close(self) -> None:
            self._closing.set()
            self._thread.join()
            self._finish()  # PortAudio calls it when the stream stops, whoever stopped it
            self._device.closed.set()

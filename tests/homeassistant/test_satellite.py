"""A real wyoming-satellite streams to Jarvis and plays its answer; the link outlives restarts."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import wave
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from structlog.testing import capture_logs

from assistant import testing_hass
from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.audio.endpointing import load_detector
from assistant.audio.wav_source import read_wav
from assistant.events import WAKE_EVENT_KIND, ReplyBus
from assistant.stt import Recognizer
from assistant.stt.whisper_recognizer import WhisperRecognizer
from assistant.testing import conversation_for_tests, until
from assistant.testing_room import EspeakVoice, espeak, piper, silence
from assistant.testing_speech import piper_wav, write_wav
from assistant.wyoming_edge import EdgeWyoming
from assistant.wyoming_satellites import SatelliteLink
from assistant.wyoming_wake import SharedWake
from jarvis.settings import load_settings
from jarvis.tasks import cancel_and_wait
from models import Reply

pytestmark = pytest.mark.slow

SATELLITE_PINS = ("wyoming-satellite==1.0.0",)
"""It pins wyoming 1.4.1, older than ours: its own environment, like Home Assistant's."""
REPLY_RATE_HZ = 22050
EARS = ("detector", "whisper check", "microWakeWord", "slowed detector")
WAIT_S = 90.0


@dataclass(frozen=True)
class FollowUp:
    """The satellite's microphone says "Hey Jarvis, what time is it?", then, ``pause_s`` later,
    "What day is it?" without the wake word."""

    pause_s: float


CHATTER = (
    "what time is it", "my bank password is swordfish", "set a timer for ten minutes",
    "call the dentist about my appointment", "add milk to my shopping list",
    "the kids are asleep upstairs", "hey travis come here", "turn the volume up",
)  # fmt: skip
SECRET_WORDS = ("swordfish", "dentist", "shopping list", "upstairs", "travis")


@dataclass(frozen=True)
class Chatter:
    """The satellite's microphone says ``CHATTER``, commands and secrets, never the wake word."""


PACED_MIC = """
import sys, time
pcm = sys.stdin.buffer.read()
start = time.monotonic()
for sent in range(0, len(pcm), 3200):
    sys.stdout.buffer.write(pcm[sent : sent + 3200])
    sys.stdout.buffer.flush()
    time.sleep(max(0.0, start + (sent + 3200) / 32000 - time.monotonic()))
"""
"""Passes 16 kHz int16 PCM on as fast as it was spoken (sox writes it all at once)."""


class Satellite:
    """``wyoming-satellite`` on loopback: its microphone says ``said`` every few seconds (sox,
    all at once; ``paced``: as fast as it was spoken), what it plays is written to files in
    ``played``."""

    def __init__(
        self, venv: Path, port: int, wav: Path, played: Path, log: Path, *, paced: bool = False
    ) -> None:
        self._venv, self.port, self.said, self.played, self._log = venv, port, wav, played, log
        self._paced = paced
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        raw = "-t raw -r 16000 -c 1 -b 16 -e signed-integer -"
        say = f"sox {shlex.quote(str(self.said))} {raw}"
        if self._paced:
            pacer = self._log.with_name("paced_mic.py")
            pacer.write_text(PACED_MIC)
            say += f" | {shlex.quote(sys.executable)} {shlex.quote(str(pacer))}"
        mic = f"while true; do {say}; sleep 8; done"
        sound = f"cat > {shlex.quote(str(self.played))}/reply-$(date +%s%N).raw"
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    # The wheel's own wyoming-satellite script names a function it lacks.
                    str(self._venv / "bin" / "python"),
                    "-m",
                    "wyoming_satellite",
                    "--name",
                    "test satellite",
                    "--uri",
                    f"tcp://127.0.0.1:{self.port}",
                    "--no-zeroconf",
                    "--mic-command",
                    f"sh -c {shlex.quote(mic)}",
                    "--snd-command",
                    f"sh -c {shlex.quote(sound)}",
                    "--snd-command-rate",
                    str(REPLY_RATE_HZ),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """As a power cut would: no goodbye to Jarvis."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
        self._process = None

    def replies(self) -> list[Path]:
        """Finished replies: files the speaker command wrote and closed, oldest first."""
        return sorted(p for p in self.played.glob("reply-*.raw") if p.stat().st_size > 0)


@pytest.fixture(scope="session")
def satellite_venv() -> Path:
    return testing_hass.cached_venv("wyoming-satellite", SATELLITE_PINS, "wyoming-satellite")


@pytest.fixture
def satellite(
    satellite_venv: Path, tmp_path: Path, piper_voice: object, request: pytest.FixtureRequest
) -> Iterator[Satellite]:
    """Says "Hey Jarvis, what time is it?" in one breath (piper's voice, or the espeak-ng voice
    that is the fixture's parameter); with a pause in seconds as the parameter, "Hey Jarvis."
    and the question that long after it; with a ``FollowUp``, a second question after it."""
    param = getattr(request, "param", None)
    if param is None:
        wav = piper_wav(piper_voice, "Hey Jarvis, what time is it?", tmp_path / "ask.wav")
    elif isinstance(param, FollowUp):
        wav = _with_pause(
            piper_wav(piper_voice, "Hey Jarvis, what time is it?", tmp_path / "first.wav"),
            param.pause_s,
            piper_wav(piper_voice, "What day is it?", tmp_path / "then.wav"),
            tmp_path / "ask.wav",
        )
    elif isinstance(param, Chatter):
        chatter = [
            part for text in CHATTER
            for part in (piper(piper_voice, text, steady=True), silence(0.8))
        ]  # fmt: skip
        wav = write_wav(tmp_path / "ask.wav", to_pcm(np.concatenate(chatter)), SAMPLE_RATE_HZ)
    elif isinstance(param, EspeakVoice):
        # A room's quiet around it, as a live microphone streams: the satellite's microphone
        # here (sox, then a sleep) sends nothing between takes.
        said = espeak("hey jarvis, what time is it", param)
        spoken = to_pcm(np.concatenate([silence(1.0), said, silence(1.5)]))
        wav = write_wav(tmp_path / "ask.wav", spoken, SAMPLE_RATE_HZ)
    else:
        wav = _with_pause(
            piper_wav(piper_voice, "Hey Jarvis.", tmp_path / "wake.wav"),
            param,
            piper_wav(piper_voice, "What time is it?", tmp_path / "question.wav"),
            tmp_path / "ask.wav",
        )
    played = tmp_path / "played"
    played.mkdir()
    running = Satellite(
        satellite_venv,
        testing_hass.free_port(),
        wav,
        played,
        tmp_path / "satellite.log",
        paced=isinstance(param, FollowUp | Chatter),
    )
    running.start()
    yield running
    running.kill()


@pytest.fixture
def jarvis_env() -> dict[str, str]:
    """More of Jarvis's settings (a test parametrizes it)."""
    return {}


@pytest.fixture
async def bus_and_start(
    tmp_path: Path, satellite: Satellite, jarvis_env: dict[str, str]
) -> AsyncIterator[tuple[ReplyBus, Callable[[], Awaitable[EdgeWyoming]]]]:
    """The edge's event bus, and what starts Jarvis's side with the satellite as a microphone
    (whisper, piper, its conversation); each call a fresh one, as after a restart. All are
    closed at the end."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_WYOMING_SATELLITES": f"tcp://127.0.0.1:{satellite.port}",
            "JARVIS_STT_ENGINE": "whisper",
            "JARVIS_TTS_ENGINE": "piper",
            **jarvis_env,
        }
    )
    started: list[EdgeWyoming] = []
    async with conversation_for_tests(tmp_path) as (conversation, bus):

        async def start() -> EdgeWyoming:
            started.append(await EdgeWyoming.start(settings, conversation.submit, bus))
            return started[-1]

        try:
            yield bus, start
        finally:
            for wyoming in started:
                await wyoming.close()


@pytest.fixture
def start_jarvis(
    bus_and_start: tuple[ReplyBus, Callable[[], Awaitable[EdgeWyoming]]],
) -> Callable[[], Awaitable[EdgeWyoming]]:
    return bus_and_start[1]


async def _wakes(bus: ReplyBus) -> list[Reply]:
    """The ``wake`` events the edge's listeners were sent so far (``/v1/events`` replays them)."""
    async with bus.stream(last_event_id=0, replay=True) as events:
        sent = [events.get_nowait().reply for _ in range(events.qsize())]
    return [reply for reply in sent if reply.kind == WAKE_EVENT_KIND]


def _with_pause(first: Path, pause_s: float, second: Path, path: Path) -> Path:
    with wave.open(str(first)) as a, wave.open(str(second)) as b:
        rate = a.getframerate()
        pcm = a.readframes(a.getnframes())
        pcm += bytes(2 * round(pause_s * rate)) + b.readframes(b.getnframes())
    return write_wav(path, pcm, rate)


async def _next_reply(satellite: Satellite, after: int) -> Path:
    await until(lambda: len(satellite.replies()) > after, f"reply #{after + 1}", within_s=WAIT_S)
    await asyncio.sleep(0.5)  # let the speaker command finish writing it
    return satellite.replies()[after]


async def _words(whisper: WhisperRecognizer, raw: Path) -> str:
    """What the satellite's speaker said, heard back by whisper."""
    wav = await asyncio.to_thread(_as_wav, raw)
    return (await whisper.transcribe(read_wav(wav))).text.lower()


HOURS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
TIME_SAID = re.compile(rf"\bit's\b|\d|[ap]\.?m\b|o'clock|\b(?:{HOURS})\b")
"""What whisper writes for "It's 6:00 PM." spoken: it heard that once as "at 6000pm." (the
reply changes with the hour, so its words do too)."""


def _tells_the_time(words: str) -> bool:
    return TIME_SAID.search(words) is not None


DAY_SAID = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|today is)\b"
)
"""What whisper writes for "Today is Sunday, December 6, 2026." spoken."""


def _as_wav(raw: Path) -> Path:
    return write_wav(raw.with_suffix(".wav"), raw.read_bytes(), REPLY_RATE_HZ)


async def test_the_satellite_plays_the_spoken_answer_and_the_link_survives_restarts(
    bus_and_start: tuple[ReplyBus, Callable[[], Awaitable[EdgeWyoming]]],
    satellite: Satellite,
    whisper: WhisperRecognizer,
) -> None:
    """ "hey jarvis, what time is it" from the satellite's microphone wakes the wake word
    detector, tells the edge's listeners which satellite woke, and gets the time spoken on its
    speaker; after the satellite is killed and started again, and after Jarvis's side is
    restarted, the link comes back by itself and answers again."""
    bus, start_jarvis = bus_and_start
    edge = await start_jarvis()
    first = await _next_reply(satellite, 0)
    assert _tells_the_time(await _words(whisper, first))
    (link,) = edge.links
    assert link.connections == 1
    assert link.woken >= 1  # the detector woke it: nothing is recognized before the wake word
    wakes = await _wakes(bus)
    assert len(wakes) == link.woken
    assert all(w.woke is not None and w.woke.satellite == link.uri for w in wakes)
    assert all(w.woke is not None and w.woke.by in EARS for w in wakes)

    satellite.kill()
    await asyncio.sleep(1.0)
    satellite.start()
    second = await _next_reply(satellite, len(satellite.replies()))
    assert second != first
    assert link.connections == 2

    await edge.close()
    restarted = await start_jarvis()
    third = await _next_reply(satellite, len(satellite.replies()))
    assert _tells_the_time(await _words(whisper, third))
    assert restarted.links[0].connections == 1
    assert restarted.links[0].woken >= 1


@pytest.mark.parametrize("satellite", [1.5], indirect=True)
async def test_a_question_after_a_pause_following_the_wake_word_is_answered(
    start_jarvis: Callable[[], Awaitable[EdgeWyoming]],
    satellite: Satellite,
    whisper: WhisperRecognizer,
) -> None:
    """ "Hey Jarvis." then, after a pause, "What time is it?": the first utterance after the
    wake word is the phrase alone, and the question, the next one, is answered."""
    edge = await start_jarvis()
    reply = await _next_reply(satellite, 0)
    assert _tells_the_time(await _words(whisper, reply))
    assert edge.links[0].answered >= 1


SAME_BREATH_VOICES = [EspeakVoice("en-gb-x-rp", "f4", 150), EspeakVoice("en-029", "f1", 160)]
"""Voices whose "hey jarvis, what time is it" whisper wrote as "Hey, John, this is what time is
it?" and "And now this one timer." until it was told that the phrase comes first; the second's
soft last words also ended its utterance early ("what timing?") until the satellite followed
the level of the voice that said the wake word, as the voice loop does."""


@pytest.mark.parametrize("satellite", SAME_BREATH_VOICES, indirect=True)
async def test_a_question_in_the_same_breath_is_answered_when_whisper_would_mishear_the_phrase(
    start_jarvis: Callable[[], Awaitable[EdgeWyoming]],
    satellite: Satellite,
    whisper: WhisperRecognizer,
) -> None:
    """Told that the wake phrase opens the utterance, whisper hears the question after it, and
    the satellite's endpointer keeps the question whole."""
    edge = await start_jarvis()
    reply = await _next_reply(satellite, 0)
    assert _tells_the_time(await _words(whisper, reply))
    assert edge.links[0].answered >= 1


@pytest.mark.parametrize("satellite", [FollowUp(9.0)], indirect=True)
@pytest.mark.parametrize("jarvis_env", [{"JARVIS_FOLLOW_UP_S": "10"}])
async def test_a_follow_up_needs_no_wake_word_once_the_reply_has_played(
    bus_and_start: tuple[ReplyBus, Callable[[], Awaitable[EdgeWyoming]]],
    satellite: Satellite,
    whisper: WhisperRecognizer,
) -> None:
    """After the time is told, "What day is it?" said without the wake word is answered: the
    follow-up window opens once the satellite should have played the reply (what its
    microphone hears until then is dropped), as on the local microphone. Without it, the
    second reply would be the time again, from the next "hey jarvis" of the satellite's loop."""
    _, start_jarvis = bus_and_start
    edge = await start_jarvis()
    first = await _next_reply(satellite, 0)
    assert _tells_the_time(await _words(whisper, first))
    second = await _next_reply(satellite, 1)
    said = await _words(whisper, second)
    assert DAY_SAID.search(said), said
    (link,) = edge.links
    assert link.followed_up >= 1
    assert link.woken == 1  # the second question woke nothing: it was a follow-up


@pytest.mark.parametrize("satellite", [Chatter()], indirect=True)
async def test_a_satellite_hearing_speech_without_the_wake_word_keeps_and_sends_nothing(
    bus_and_start: tuple[ReplyBus, Callable[[], Awaitable[EdgeWyoming]]],
    satellite: Satellite,
    tmp_path: Path,
) -> None:
    """Nothing leaves the device unasked, from a satellite's microphone too: commands and
    secrets said without the wake word, streamed as a person says them, wake nothing, are never
    recognized or answered, and leave no utterance, no event and no words in the log."""
    bus, start_jarvis = bus_and_start
    said_s = _seconds(tmp_path / "ask.wav")
    with capture_logs() as logs:
        edge = await start_jarvis()
        (link,) = edge.links
        await until(lambda: link.connections > 0, "connection", within_s=WAIT_S)
        assert link.connections == 1
        await asyncio.sleep(said_s + 3.0)  # the whole of it, paced, and the detector's last step
    assert (link.woken, link.answered, link.followed_up) == (0, 0, 0)
    assert satellite.replies() == []
    async with bus.stream(last_event_id=0, replay=True) as events:
        assert events.empty()
    logged = repr(logs).lower()
    assert "satellite.woke" not in logged
    assert "satellite.answered" not in logged
    assert not [word for word in SECRET_WORDS if word in logged]
    with sqlite3.connect(tmp_path / "edge.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM utterances").fetchone() == (0,)


def _seconds(wav: Path) -> float:
    with wave.open(str(wav)) as said:
        return float(said.getnframes() / said.getframerate())


@pytest.mark.parametrize("satellite", [FollowUp(9.0)], indirect=True)
@pytest.mark.parametrize("reply", ["It's noon.", None])
async def test_only_a_reply_opens_the_follow_up_window(
    satellite: Satellite, whisper: WhisperRecognizer, reply: str | None
) -> None:
    """A command that got a reply opens the window ("what day is it?" 9 s later is heard
    without the wake word); one that got none (a cloud that never answered) does not, and the
    question is never heard: the next thing is the satellite's next "hey jarvis". No speaker
    here: the window opens as soon as the reply is given."""
    heard: list[str] = []

    async def handle(text: str) -> str | None:
        heard.append(text.lower().strip(" .?!"))
        return reply

    async def recognizer() -> Recognizer:
        return whisper

    link = SatelliteLink(
        f"tcp://127.0.0.1:{satellite.port}",
        recognizer=recognizer,
        speaker=None,
        handle=handle,
        detector=lambda: asyncio.to_thread(load_detector),
        wake=await SharedWake.load("hey jarvis"),
        # With no reply played, the window counts from the command's end: the question comes
        # 10.4 s later (the pause and piper's own silence around both).
        follow_up_s=15.0,
    )
    running = asyncio.create_task(link.run(), name="satellite under test")
    try:
        if reply is not None:
            await until(lambda: link.answered >= 2, "second answer", within_s=WAIT_S)
            assert heard == ["what time is it", "what day is it"]
            assert (link.woken, link.followed_up) == (1, 1)
        else:
            # The loop's next "hey jarvis" (~20 s).
            await until(lambda: link.woken >= 2, "second wake", within_s=WAIT_S)
            assert heard == ["what time is it"]
            assert link.followed_up == 0
    finally:
        await cancel_and_wait(running)


async def test_a_muted_satellite_is_hung_up_on_until_it_is_unmuted(
    start_jarvis: Callable[[], Awaitable[EdgeWyoming]],
    satellite: Satellite,
    whisper: WhisperRecognizer,
) -> None:
    """The console's switch for a satellite (its ``SatelliteEar``): muted, Jarvis hangs up on it
    at once, and its "hey jarvis, what time is it?" said again meanwhile wakes nothing and gets
    no reply; unmuted, the link comes back by itself and the next one is answered."""
    edge = await start_jarvis()
    await _next_reply(satellite, 0)
    (link,) = edge.links
    ear = link.ear
    assert ear is not None
    assert ear.connected
    ear.set_muted(True)
    await until(lambda: not ear.connected, "hang-up", within_s=WAIT_S)
    woken, answered, replies = link.woken, link.answered, len(satellite.replies())
    # The satellite's microphone says it all again within a loop (the phrase, then 8 s).
    await asyncio.sleep(_seconds(satellite.said) + 8.0 + 3.0)
    assert (link.woken, link.answered, link.connections) == (woken, answered, 1)
    assert len(satellite.replies()) == replies

    ear.set_muted(False)
    reply = await _next_reply(satellite, replies)
    assert _tells_the_time(await _words(whisper, reply))
    assert link.connections == 2

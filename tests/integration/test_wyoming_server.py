"""Jarvis's Wyoming server, spoken to by the wyoming package's own client."""

from __future__ import annotations

import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient, AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.handle import Handled
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize
from wyoming.wake import Detect, Detection, NotDetected

from assistant.audio import SAMPLE_RATE_HZ, to_pcm
from assistant.conversation import Conversation
from assistant.testing import conversation_for_tests
from assistant.testing_room import piper, silence
from assistant.testing_speech import piper_wav
from assistant.wyoming_edge import EdgeWyoming
from jarvis.settings import load_settings

pytestmark = pytest.mark.slow


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, Conversation]]:
    """The edge's Wyoming server on a free loopback port, over an in-process conversation."""
    settings = load_settings(
        {
            "JARVIS_DATA_DIR": str(tmp_path),
            "JARVIS_WYOMING_URI": "tcp://127.0.0.1:0",
            "JARVIS_STT_ENGINE": "whisper",
            "JARVIS_TTS_ENGINE": "piper",
        }
    )
    async with conversation_for_tests(tmp_path) as (conversation, bus):
        wyoming = await EdgeWyoming.start(settings, conversation.submit, bus)
        try:
            yield f"tcp://127.0.0.1:{wyoming.server.port}", conversation
        finally:
            await wyoming.close()


async def _exchange(uri: str, *events: Event, until: str) -> list[Event]:
    """Sends ``events``, then reads until an event of type ``until`` arrives."""
    received = []
    async with AsyncClient.from_uri(uri) as client:
        for event in events:
            await client.write_event(event)
        while True:
            event = await client.read_event()
            assert event is not None, "the server hung up"
            received.append(event)
            if event.type == until:
                return received


async def test_describe_lists_our_recognizer_voice_and_understanding(
    server: tuple[str, Conversation],
) -> None:
    """Describe → Info naming whisper tiny.en, the piper voice and Jarvis's intents, versioned."""
    uri, _ = server
    (event,) = await _exchange(uri, Describe().event(), until="info")
    info = Info.from_event(event)
    assert [m.name for m in info.asr[0].models] == ["tiny.en"]
    assert info.asr[0].models[0].version
    assert [v.name for v in info.tts[0].voices] == ["piper"]
    assert info.handle[0].models[0].name == "jarvis-intents"
    assert info.asr[0].version
    (wake,) = info.wake
    assert [(m.name, m.phrase) for m in wake.models] == [("hey_jarvis", "hey jarvis")]
    assert wake.version


async def test_speech_is_transcribed(
    server: tuple[str, Conversation], tmp_path: Path, piper_voice: object
) -> None:
    """A piper WAV streamed as binary chunks (22.05 kHz) comes back as its words."""
    uri, _ = server
    wav = piper_wav(piper_voice, "What time is it?", tmp_path / "time.wav")
    with wave.open(str(wav)) as reader:
        rate, pcm = reader.getframerate(), reader.readframes(reader.getnframes())
    chunks = [
        AudioChunk(rate=rate, width=2, channels=1, audio=pcm[i : i + 4096]).event()
        for i in range(0, len(pcm), 4096)
    ]
    events = await _exchange(
        uri,
        Transcribe(language="en").event(),
        AudioStart(rate=rate, width=2, channels=1).event(),
        *chunks,
        AudioStop().event(),
        until="transcript",
    )
    assert "what time is it" in Transcript.from_event(events[-1]).text.lower()


async def test_text_is_synthesized_as_binary_audio(server: tuple[str, Conversation]) -> None:
    """Synthesize → AudioStart, audio chunks as payloads, AudioStop: a second or more of speech."""
    uri, _ = server
    events = await _exchange(uri, Synthesize(text="Hello there.").event(), until="audio-stop")
    start = AudioStart.from_event(events[0])
    audio = b"".join(AudioChunk.from_event(e).audio for e in events if e.type == "audio-chunk")
    assert all(e.payload for e in events if e.type == "audio-chunk")
    assert len(audio) / (start.rate * start.width) > 0.5


async def test_a_transcript_is_handled_by_the_conversation(
    server: tuple[str, Conversation],
) -> None:
    """A Transcript to handle runs as a local intent and its reply comes back as Handled."""
    uri, _ = server
    events = await _exchange(
        uri, Transcript(text="set a timer for 5 minutes").event(), until="handled"
    )
    assert "5 minutes" in Handled.from_event(events[-1]).text


async def test_silence_gives_an_empty_transcript(server: tuple[str, Conversation]) -> None:
    """Audio with no speech gives an empty transcript, not an error or a hang."""
    uri, _ = server
    silence = AudioChunk(rate=16000, width=2, channels=1, audio=bytes(32000)).event()
    events = await _exchange(
        uri,
        AudioStart(rate=16000, width=2, channels=1).event(),
        silence,
        AudioStop().event(),
        until="transcript",
    )
    assert Transcript.from_event(events[-1]).text.strip() == ""


LEAD_S = 0.5
START_MS = 40_000
"""The client's clock at its first chunk (Home Assistant stamps its chunks in milliseconds)."""


async def _detect(uri: str, pcm: bytes, names: list[str] | None = None) -> list[Event]:
    """Detect, then ``pcm`` as 16 kHz chunks of 1024 samples stamped with the client's clock,
    then AudioStop, over the wyoming package's TCP client; what came back until its answer."""
    host, port = uri.removeprefix("tcp://").rsplit(":", 1)
    received = []
    async with AsyncTcpClient(host, int(port)) as client:
        await client.write_event(Detect(names=names).event())
        await client.write_event(AudioStart(rate=SAMPLE_RATE_HZ, width=2, channels=1).event())
        step = 1024 * 2
        for offset in range(0, len(pcm), step):
            stamp = START_MS + offset * 1000 // (2 * SAMPLE_RATE_HZ)
            chunk = AudioChunk(
                rate=SAMPLE_RATE_HZ, width=2, channels=1, audio=pcm[offset : offset + step],
                timestamp=stamp,
            )  # fmt: skip
            await client.write_event(chunk.event())
        await client.write_event(AudioStop().event())
        while True:
            event = await client.read_event()
            assert event is not None, "the server hung up"
            received.append(event)
            if event.type in ("detection", "not-detected", "error"):
                return received


def _spoken(voice: object, text: str) -> tuple[bytes, float]:
    """``text`` said by piper (steady: the same audio every run) between silences; the PCM and
    how long the speech lasts."""
    speech = piper(voice, text, steady=True)
    audio = np.concatenate([silence(LEAD_S), speech, silence(1.0)])
    return to_pcm(audio), speech.size / SAMPLE_RATE_HZ


async def test_hey_jarvis_is_detected_where_it_is_said(
    server: tuple[str, Conversation], piper_voice: object
) -> None:
    """Detect and audio of "hey jarvis" → Detection of hey_jarvis, stamped on the client's clock
    within the phrase's end."""
    uri, _ = server
    pcm, speech_s = _spoken(piper_voice, "hey jarvis")
    events = await _detect(uri, pcm, names=["hey_jarvis"])
    (event,) = events
    detection = Detection.from_event(event)
    assert detection.name == "hey_jarvis"
    assert detection.timestamp is not None
    heard_ms = detection.timestamp - START_MS
    assert LEAD_S * 1000 < heard_ms <= (LEAD_S + speech_s + 0.5) * 1000


async def test_speech_without_the_wake_word_is_not_detected(
    server: tuple[str, Conversation], piper_voice: object
) -> None:
    """Audio of "what time is it" ends, at AudioStop, with NotDetected and no Detection."""
    uri, _ = server
    pcm, _ = _spoken(piper_voice, "what time is it")
    events = await _detect(uri, pcm)
    assert [event.type for event in events] == [NotDetected().event().type]


async def test_a_detect_for_a_model_we_lack_is_refused(server: tuple[str, Conversation]) -> None:
    """Detect naming another model is answered with an Error naming ours; its audio is dropped."""
    uri, _ = server
    events = await _detect(uri, bytes(16000), names=["ok_nabu"])
    (event,) = events
    assert "hey_jarvis" in Error.from_event(event).text


async def test_a_client_hanging_up_mid_stream_leaves_the_others_served(
    server: tuple[str, Conversation], piper_voice: object
) -> None:
    """A client that leaves in the middle of a Detect stream costs the others nothing: the next
    one still gets its Detection."""
    uri, _ = server
    pcm, _ = _spoken(piper_voice, "hey jarvis")
    host, port = uri.removeprefix("tcp://").rsplit(":", 1)
    async with AsyncTcpClient(host, int(port)) as client:
        await client.write_event(Detect().event())
        await client.write_event(AudioStart(rate=SAMPLE_RATE_HZ, width=2, channels=1).event())
        half = pcm[: len(pcm) // 2]
        await client.write_event(
            AudioChunk(rate=SAMPLE_RATE_HZ, width=2, channels=1, audio=half).event()
        )
    (event,) = await _detect(uri, pcm)
    assert Detection.from_event(event).name == "hey_jarvis"


async def test_an_unreadable_chunk_gets_an_error_and_the_stream_goes_on(
    server: tuple[str, Conversation], piper_voice: object
) -> None:
    """A chunk without its rate, and one that is not whole frames, are each answered with an
    Error naming the fault (code BadAudio); the connection stays, and the speech sent around
    them is still transcribed at AudioStop."""
    uri, _ = server
    pcm, _ = _spoken(piper_voice, "what time is it")
    half = len(pcm) // 4 * 2
    fmt = {"rate": SAMPLE_RATE_HZ, "width": 2, "channels": 1}
    async with AsyncClient.from_uri(uri) as client:
        await client.write_event(AudioStart(**fmt).event())
        await client.write_event(AudioChunk(audio=pcm[:half], **fmt).event())
        await client.write_event(Event(type="audio-chunk", data={"width": 2, "channels": 1},
                                       payload=b"\0\0"))  # fmt: skip
        await client.write_event(Event(type="audio-chunk", data=fmt, payload=b"\0\0\0"))
        await client.write_event(AudioChunk(audio=pcm[half:], **fmt).event())
        await client.write_event(AudioStop().event())
        received = []
        while not received or received[-1].type != "transcript":
            event = await client.read_event()
            assert event is not None, "the server hung up"
            received.append(event)
    errors = [Error.from_event(event) for event in received if event.type == "error"]
    assert [error.code for error in errors] == ["BadAudio", "BadAudio"]
    assert "without its rate" in errors[0].text
    assert "not a whole number of 2-byte frames" in errors[1].text
    assert "what time is it" in Transcript.from_event(received[-1]).text.lower()


async def test_an_event_missing_its_fields_gets_an_error_and_the_link_stays(
    server: tuple[str, Conversation],
) -> None:
    """A Transcript without its text, a Synthesize whose text is a number and a Detect whose
    names are one string (read letter by letter, it would be refused as "No wake word named
    h, e, y…") are the client's mistakes: each gets an Error, and the same connection is then
    described as usual."""
    uri, _ = server
    events = await _exchange(
        uri,
        Event(type="transcript", data={}),
        Event(type="synthesize", data={"text": 42}),
        Event(type="detect", data={"names": "hey_jarvis"}),
        Describe().event(),
        until="info",
    )
    errors = [Error.from_event(event) for event in events if event.type == "error"]
    assert [error.code for error in errors] == ["malformed-event"] * 3
    assert errors[2].text == (
        "malformed detect event: its names must be a list of strings, not 'hey_jarvis'"
    )
    assert errors[0].text == "malformed transcript event: its text must be a string, not None"
    assert errors[1].text == "malformed synthesize event: its text must be a string, not 42"
    assert Info.from_event(events[-1]).asr

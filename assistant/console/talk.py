"""Push-to-talk from a browser: microphone audio over a WebSocket, the reply's audio back.

``GET /v1/console/talk`` upgrades to a WebSocket. A browser cannot put a header on a WebSocket,
so the socket checks what it can before upgrading (the ``Origin`` must be this page's own and
the ``Host`` one this edge answers to; on loopback, a loopback name, which stops DNS rebinding)
and the token, where one is set, comes in the first message, never in the URL.

Messages (JSON text unless said otherwise)::

    browser → edge   {"type": "hello", "token": str | null}
    edge → browser   {"type": "ready", "sample_rate": 16000}
    browser → edge   {"type": "start"}, then binary chunks, then {"type": "stop"}
                     each chunk: 8 bytes float64 LE (capture time, epoch ms) + int16 LE PCM
    edge → browser   {"type": "heard", "transcript", "intent", "end_of_speech_to_intent_ms", …}
                     {"type": "utterance", …the utterance as GET /v1/utterances/{id} shows it}
                     {"type": "reply", "text", "utterance_id", "audio_bytes"}, then binary WAV
                     {"type": "error", "message"}

The edge hears the audio exactly as it hears its own microphone: the same endpointer (the
utterance ends at the trailing silence or when the button is released, whichever comes first),
the same recognizer and interpreter (``assistant.stt.listen.hear_next``), then the same
conversation. Replies to what was said here (later ones from the cloud too) are synthesized
with the edge's speaker and sent back as WAV for the page to play.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import struct
import time
import wave
from collections import deque
from collections.abc import AsyncGenerator, Coroutine
from typing import TYPE_CHECKING, Any

import structlog
from aiohttp import WSMsgType, web
from yarl import URL

from assistant import replies
from assistant.audio import SAMPLE_RATE_HZ
from assistant.errors import ModelNotFoundError
from assistant.http_auth import is_loopback
from assistant.stt import words_doubted
from assistant.task_owner import TaskOwner

if TYPE_CHECKING:
    from assistant.console.routes import ConsoleParts
    from assistant.stt import Recognizer
    from assistant.tts import Speaker
    from assistant.voice_loop import VoiceOptions
    from models import Reply

log = structlog.get_logger(__name__)

HELLO_TIMEOUT_S = 10.0
MAX_MESSAGE_BYTES = 64 * 1024
"""A chunk is 20 ms of audio (648 bytes); anything near this is not one."""
HEAR_FAILED = replies.not_heard()
"""Said to the browser when recognizing an utterance failed (the log has the error)."""
STAMP_BYTES = 8
MAX_QUEUED_CHUNKS = 1500
"""30 s of 20 ms chunks: a browser sending faster than the edge hears is cut off, not buffered
without end."""
EARLY_REPLIES = 32
"""Replies kept in case a cloud answer arrives before its utterance id is known here."""
TRANSPORT_SAMPLES = 200


class TalkEngines:
    """The recognizer and speaker browser push-to-talk needs, loaded once on first use (a
    browser may never talk) and shared by every socket; ``close()`` releases them."""

    def __init__(
        self, data_dir: Any, options: VoiceOptions, *, recognizer: Recognizer | None = None
    ) -> None:
        """``recognizer``: one already loaded, instead of loading one on first use."""
        self._data_dir = data_dir
        self._options = options
        self._lock = asyncio.Lock()
        self._recognizer: Recognizer | None = recognizer
        self._speaker: Speaker | None = None
        self._speaker_loaded = False

    async def recognizer(self) -> Recognizer:
        """Raises ModelNotFoundError when no speech model is installed."""
        async with self._lock:
            if self._recognizer is None:
                from assistant.stt.auto import load_recognizer

                options = self._options
                self._recognizer = await load_recognizer(
                    options.stt_engine,
                    self._data_dir,
                    vosk_model=options.vosk_model,
                    whisper_model=options.whisper_model,
                    language=options.language,
                    on_progress=lambda line: log.info("talk.loading", line=line),
                )
            return self._recognizer

    async def speaker(self) -> Speaker | None:
        """The edge's voice, or None when it speaks with no voice (``JARVIS_TTS_ENGINE=none``)."""
        async with self._lock:
            if not self._speaker_loaded and self._options.tts_engine != "none":
                from assistant.tts.queue import load_speaker

                voice = self._options.piper_voice
                self._speaker = await load_speaker(
                    self._options.tts_engine, piper_voice=str(voice) if voice else None
                )
            self._speaker_loaded = True
            return self._speaker

    @property
    def trailing_silence_ms(self) -> int:
        return self._options.trailing_silence_ms

    async def close(self) -> None:
        if self._recognizer is not None:
            await self._recognizer.close()
        if self._speaker is not None:
            await self._speaker.close()


def origin_problem(request: web.Request, loopback_only: bool) -> str | None:
    """Why a WebSocket from this ``Origin`` to this ``Host`` is refused; None when it is not."""
    origin = request.headers.get("Origin")
    host = request.headers.get("Host")
    if not origin or not host:
        return "A browser's Origin and Host headers are required."
    try:
        seen = URL(origin)
        served = URL(f"{request.scheme}://{host}")  # the scheme this socket really uses
    except ValueError:
        return "The Origin or Host header is malformed."
    if (seen.scheme, seen.host, seen.port) != (served.scheme, served.host, served.port):
        return "Only the console page this edge serves may open this socket."
    if loopback_only and not is_loopback(served.host or ""):
        return "This edge serves loopback only; the Host header names another machine."
    return None


async def talk_socket(request: web.Request) -> web.StreamResponse:
    from assistant.console.routes import PARTS
    from jarvis.http_errors import error_response

    parts = request.app[PARTS]
    problem = origin_problem(request, parts.loopback_only)
    if problem is not None:
        log.warning("talk.refused", reason=problem)
        return error_response(403, "forbidden", problem)
    socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=30.0)
    await socket.prepare(request)
    session = TalkSession(socket, parts)
    try:
        await session.run()
    finally:
        await session.close()
    return socket


class TalkSession:
    """One browser's socket: owns its hearing and reply tasks; ``close()`` cancels them."""

    def __init__(self, socket: web.WebSocketResponse, parts: ConsoleParts) -> None:
        self._socket = socket
        self._parts = parts
        self._audio: asyncio.Queue[bytes | None] | None = None
        self._tasks = TaskOwner("talk.task_failed")
        self._waiting: set[str] = set()
        """Utterances said here still waiting for the cloud's reply."""
        self._early: deque[Reply] = deque(maxlen=EARLY_REPLIES)
        self._send_lock = asyncio.Lock()
        self.transport_ms: deque[float] = deque(maxlen=TRANSPORT_SAMPLES)
        """How long chunks took from the browser's capture to here (same machine's clock)."""

    async def run(self) -> None:
        if not await self._hello():
            return
        try:
            recognizer = await self._parts.talk.recognizer()
        except ModelNotFoundError as error:
            await self._send({"type": "error", "message": f"No speech recognition here: {error}"})
            return
        await self._send({"type": "ready", "sample_rate": SAMPLE_RATE_HZ})
        self._spawn(self._forward_replies(), "talk-replies")
        async for message in self._socket:
            if message.type == WSMsgType.BINARY:
                self._receive_audio(message.data)
            elif message.type == WSMsgType.TEXT:
                await self._command(message.data, recognizer)
            else:
                break

    async def _hello(self) -> bool:
        try:
            message = await self._socket.receive(timeout=HELLO_TIMEOUT_S)
            hello = json.loads(message.data) if message.type == WSMsgType.TEXT else None
        except (TimeoutError, ValueError):
            hello = None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await self._socket.close(code=4400, message=b"the first message must be a hello")
            return False
        token = hello.get("token")
        access = self._parts.access
        if access is not None and not access.admits_token(
            f"Bearer {token}" if isinstance(token, str) else None
        ):
            await self._socket.close(code=4401, message=b"unauthorized")
            return False
        return True

    async def _command(self, data: str, recognizer: Recognizer) -> None:
        try:
            command = json.loads(data)
        except ValueError:
            command = None
        kind = command.get("type") if isinstance(command, dict) else None
        if kind == "start" and self._audio is None:
            self._audio = asyncio.Queue(maxsize=MAX_QUEUED_CHUNKS)
            self._spawn(self._hear(self._audio, recognizer), "talk-hear")
        elif kind == "stop" and self._audio is not None:
            self._end_audio()
        elif kind not in ("start", "stop"):
            await self._send({"type": "error", "message": "Unknown message."})

    def _receive_audio(self, data: bytes) -> None:
        if self._audio is None or len(data) <= STAMP_BYTES:
            return  # between utterances: nothing is kept
        (captured_ms,) = struct.unpack_from("<d", data)
        self.transport_ms.append(time.time() * 1000 - captured_ms)
        pcm = data[STAMP_BYTES:]
        if len(pcm) % 2:
            pcm = pcm[:-1]
        if self._audio.full():
            log.warning("talk.audio_overflow")
            self._end_audio()
            return
        self._audio.put_nowait(pcm)

    def _end_audio(self) -> None:
        if self._audio is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self._audio.put_nowait(None)
            self._audio = None

    async def _hear(self, queue: asyncio.Queue[bytes | None], recognizer: Recognizer) -> None:
        from assistant.audio.endpointing import Endpointer, EndpointSettings, load_detector
        from assistant.interpreter import interpret
        from assistant.stt.listen import hear_next

        async def frames() -> AsyncGenerator[bytes, None]:
            while (chunk := await queue.get()) is not None:
                yield chunk

        detector = await asyncio.to_thread(load_detector)
        endpointer = Endpointer(detector, EndpointSettings(self._parts.talk.trailing_silence_ms))
        chunks = frames()
        try:
            heard = await hear_next(chunks, recognizer, endpointer, interpret)
        except Exception as error:
            # A recognizer that failed costs this utterance, said to the browser; the socket
            # stays, and the next press is heard afresh.
            log.exception("talk.hear_failed", error=f"{type(error).__name__}: {error}")
            await self._send({"type": "error", "message": HEAR_FAILED})
            return
        finally:
            await chunks.aclose()
            if self._audio is queue:
                self._audio = None  # what the browser sends after the end is not kept
        transport = sorted(self.transport_ms)
        self.transport_ms.clear()
        if heard is None or not heard.transcript.text:
            await self._send({"type": "heard", "transcript": "", "intent": None})
            return
        # Capture in the browser → here, for the audio of this utterance (same machine's clock
        # when measured by bench/console.py): what browser push-to-talk adds to the mic path.
        transport_ms = round(transport[len(transport) // 2], 3) if transport else None
        log.info("talk.heard", transport_ms_p50=transport_ms, **heard.to_json())
        await self._send({"type": "heard", **heard.to_json(), "transport_ms_p50": transport_ms})
        conversation = self._parts.conversation
        record = await conversation.submit_spoken(
            heard.transcript.text, words_doubted=words_doubted(heard.transcript)
        )
        await self._send({"type": "utterance", **(await conversation.describe(record))})
        if record.status == "pending":
            self._waiting.add(record.id)
            for reply in [r for r in self._early if r.utterance_id == record.id]:
                await self._speak(reply)
        elif record.reply:
            from models import Reply

            await self._speak(Reply(text=record.reply, utterance_id=record.id))

    async def _forward_replies(self) -> None:
        """Speak here the later replies to what was said here (a cloud answer)."""
        async with self._parts.bus.subscribe() as replies:
            while True:
                reply = await replies.get()
                if reply.utterance_id in self._waiting:
                    if reply.kind == "reply":
                        self._waiting.discard(reply.utterance_id)
                    await self._speak(reply)
                else:
                    self._early.append(reply)

    async def _speak(self, reply: Reply) -> None:
        speaker = await self._parts.talk.speaker()
        audio = await _wav(speaker, reply.text) if speaker is not None else b""
        await self._send(
            {
                "type": "reply",
                "text": reply.text,
                "utterance_id": reply.utterance_id,
                "kind": reply.kind,
                "audio_bytes": len(audio),
            },
            audio or None,
        )

    async def _send(self, message: dict[str, Any], audio: bytes | None = None) -> None:
        if self._socket.closed:
            return
        async with self._send_lock:  # a reply's JSON and its audio always travel together
            with contextlib.suppress(ConnectionResetError):
                await self._socket.send_str(json.dumps(message, ensure_ascii=False))
                if audio:
                    await self._socket.send_bytes(audio)

    def _spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> None:
        self._tasks.spawn(coroutine, name)

    async def close(self) -> None:
        self._end_audio()
        await self._tasks.cancel_all()
        await self._socket.close()


async def _wav(speaker: Speaker, text: str) -> bytes:
    """``text`` spoken, as one WAV file (sentences joined)."""
    pcm = bytearray()
    rate = SAMPLE_RATE_HZ
    async for speech in speaker.synthesize(text):
        pcm += speech.pcm
        rate = speech.sample_rate_hz
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(pcm))
    return buffer.getvalue()

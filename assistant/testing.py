"""Test doubles for the edge: fakes that implement the ports, and small helpers tests share.

Nothing here is used in production; it lives in the package (like ``structlog.testing``) so
every test ring can import it without conftest files.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cloud_link import CloudLink, NoCloudLink
from assistant.errors import AdapterError
from assistant.platform import PlatformAdapters
from models import Envelope, Reply, Utterance

if TYPE_CHECKING:
    from assistant.conversation import Conversation
    from assistant.events import ReplyBus
    from assistant.skills.home import HomeSkill
    from assistant.understander import Understander


@dataclass
class FakeVolume:
    """Implements ``Volume`` in memory; set ``error`` to make every call fail with it."""

    level: int = 50
    muted: bool = False
    calls: list[tuple[str, int | None]] = field(default_factory=list)
    error: AdapterError | None = None

    def _record(self, name: str, value: int | None = None) -> None:
        self.calls.append((name, value))
        if self.error is not None:
            raise self.error

    async def get_level(self) -> int:
        self._record("get_level")
        return self.level

    async def set_level(self, level: int) -> None:
        self._record("set_level", level)
        self.level = max(0, min(100, level))

    async def change(self, delta: int) -> int:
        self._record("change", delta)
        self.level = max(0, min(100, self.level + delta))
        return self.level

    async def mute(self) -> None:
        self._record("mute")
        self.muted = True

    async def unmute(self) -> None:
        self._record("unmute")
        self.muted = False


@dataclass
class FakeMedia:
    """Implements ``Media``, recording each command; set ``error`` to make them fail."""

    calls: list[str] = field(default_factory=list)
    error: AdapterError | None = None

    def _record(self, name: str) -> None:
        self.calls.append(name)
        if self.error is not None:
            raise self.error

    async def pause(self) -> None:
        self._record("pause")

    async def resume(self) -> None:
        self._record("resume")

    async def next(self) -> None:
        self._record("next")

    async def previous(self) -> None:
        self._record("previous")


@dataclass
class FakeKeyboard:
    """Implements ``Keyboard``, keeping what it typed; set ``error`` to make it fail."""

    typed: list[str] = field(default_factory=list)
    error: AdapterError | None = None

    async def type_text(self, text: str) -> None:
        if self.error is not None:
            raise self.error
        self.typed.append(text)


class ReplyRecorder:
    """A ``publish`` callable that keeps every reply and lets a test await the next one."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self._queue: asyncio.Queue[Reply] = asyncio.Queue()

    def __call__(self, reply: Reply) -> None:
        self.replies.append(reply)
        self._queue.put_nowait(reply)

    async def next(self, timeout_s: float = 10.0) -> Reply:
        """The next published reply; raises ``TimeoutError`` if none comes in ``timeout_s``."""
        async with asyncio.timeout(timeout_s):
            return await self._queue.get()


class FakeLink:
    """Implements ``worker.WorkerLink``: keeps every envelope sent, acks each one at once."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []
        self._changed = asyncio.Event()

    async def send(self, envelope: Envelope) -> None:
        self.sent.append(envelope)
        self._changed.set()

    async def wait_acked(self, envelope_id: str, timeout_s: float) -> bool:
        return any(envelope.id == envelope_id for envelope in self.sent)

    def of_type(self, kind: str) -> list[Envelope]:
        return [envelope for envelope in self.sent if envelope.type == kind]

    async def wait_for(self, kind: str, count: int = 1, timeout_s: float = 60.0) -> list[Envelope]:
        """The envelopes of ``kind`` once at least ``count`` were sent; ``TimeoutError`` else."""
        async with asyncio.timeout(timeout_s):
            while len(self.of_type(kind)) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.of_type(kind)


class FakeCloudLink:
    """Implements ``CloudLink``, connected, keeping every utterance forwarded and message shared."""

    def __init__(self) -> None:
        self.forwarded: list[Utterance] = []
        self.shared: list[Envelope] = []

    def is_connected(self) -> bool:
        return True

    def problem(self) -> str | None:
        return None

    async def forward(self, utterance: Utterance) -> None:
        self.forwarded.append(utterance)

    async def share(self, envelope: Envelope) -> bool:
        self.shared.append(envelope)
        return True


@dataclass
class FixedClock:
    """A clock for tests: returns ``now`` (epoch seconds) until a test moves it."""

    now: float

    def __call__(self) -> float:
        return self.now


_FAKE_EXECUTABLE = """\
#!{python}
import json, pathlib, sys, time
here = pathlib.Path(__file__).resolve().parent
with open(here / "{name}.calls", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
time.sleep({delay_s!r})
sys.stdout.write({stdout!r})
sys.stderr.write({stderr!r})
sys.exit({exit_code})
"""


@dataclass(frozen=True)
class FakeExecutable:
    """A real program on disk standing in for ``pactl``, ``playerctl``…: it records its argv.

    The adapter under test runs it as a real subprocess, so its argv building, output parsing
    and error handling are exercised without a sound server or a display.
    """

    path: Path

    @classmethod
    def create(
        cls,
        directory: Path,
        name: str,
        *,
        stdout: str = "",
        stderr: str = "",
        exit_code: int = 0,
        delay_s: float = 0.0,
    ) -> FakeExecutable:
        """Writes ``directory/name``: it logs its argv, waits ``delay_s``, prints, exits."""
        script = _FAKE_EXECUTABLE.format(
            python=sys.executable,
            name=name,
            stdout=stdout,
            stderr=stderr,
            exit_code=exit_code,
            delay_s=delay_s,
        )
        path = directory / name
        path.write_text(script)
        path.chmod(0o755)
        return cls(path)

    def calls(self) -> list[list[str]]:
        """The argv (without the program name) of every run so far, oldest first."""
        log = self.path.with_name(f"{self.path.name}.calls")
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]


async def until(
    condition: Callable[[], bool],
    what: str = "the condition",
    *,
    within_s: float = 10.0,
    poll_s: float = 0.05,
) -> None:
    """Return once ``condition()`` holds, looking every ``poll_s``; ``AssertionError`` naming
    ``what`` after ``within_s``. For what a test waits on that happens in its own time (a task,
    a peer, a thread), never to assert how fast it happens."""
    for _ in range(max(1, round(within_s / poll_s))):
        if condition():
            return
        await asyncio.sleep(poll_s)
    if not condition():
        raise AssertionError(f"waited {within_s:g} s for {what}")


@asynccontextmanager
async def conversation_for_tests(
    data_dir: Path,
    *,
    cloud: CloudLink | None = None,
    clock: Callable[[], float] = time.monotonic,
    adapters: PlatformAdapters | None = None,
    understander: Understander | None = None,
    home: HomeSkill | None = None,
) -> AsyncIterator[tuple[Conversation, ReplyBus]]:
    """A whole edge conversation in-process on a real database, with ``adapters`` (none by
    default: there is no sound server or display here; pass fakes) and ``cloud`` (no cloud
    link by default); ``understander`` adds the learned tier (templates only by default);
    ``home`` is its Home Assistant skill (none configured by default), configured on entry."""
    from assistant.conversation import Conversation, Identity
    from assistant.database import open_database
    from assistant.events import ReplyBus
    from assistant.history import History
    from assistant.phrase_book import PhraseBook
    from assistant.skills import Skills
    from assistant.skills.phrases import PhraseSkill

    db = await open_database(data_dir)
    bus = ReplyBus()
    skills = await Skills.start(
        db, bus.publish, timezone=UTC, adapters=adapters or PlatformAdapters(), home=home
    )
    link = cloud or NoCloudLink()
    conversation = Conversation(
        identity=Identity(device_id="test-device", session_id="test-session"),
        skills=skills,
        history=History(db),
        bus=bus,
        cloud=link,
        phrases=PhraseSkill(await PhraseBook.open(db), link),
        clock=clock,
        understander=understander,
    )
    try:
        await conversation.on_config({})
        yield conversation, bus
    finally:
        await conversation.close()
        await skills.close()
        await db.close()

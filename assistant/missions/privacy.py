"""Privacy actions (device missions): record audio, read a file, capture the screen, take a photo.

Whether such an action may run at all (the distance to the device that asked, a spoken or typed
confirmation) is decided by the cloud before it sends the mission; here the device only does it,
within its own rules: files only from the directories it shares, capped sizes, and an honest
error when the hardware or the program is missing. Results are written under ``data_dir`` on the
device; the output gives their paths.

Steps: ``record_audio`` (``seconds``) → ``audio_recorded``; ``read_file`` (``path``, absolute) →
``file_read``, the text is the output; ``capture_screen`` → ``screen_captured``; ``take_photo`` →
``photo_taken``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
import sys
import wave
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from assistant.audio import SAMPLE_RATE_HZ, SAMPLE_WIDTH_BYTES, AudioSource
from assistant.errors import (
    DeviceCapabilityError,
    MicrophoneLost,
    MissionStepError,
    NoInputDeviceError,
    PathNotAllowedError,
)
from assistant.missions import OnCheckpoint
from assistant.missions._steps import (
    MIB,
    PayloadLimits,
    StepOutcome,
    check_payload,
    format_bytes,
    number_param,
    run_steps,
    safe_name,
    str_param,
)
from assistant.missions.process_tree import ProcessLimits, run_limited
from models.missions import STEP_ACTIONS, Mission, MissionKind, MissionResult, Step

log = structlog.get_logger(__name__)

ACTIONS = STEP_ACTIONS[MissionKind.DEVICE_ACTION]
DEVICE_TIMEOUT_S = 30.0
"""For a screenshot or a photo; a recording gets its own length on top."""

OpenAudio = Callable[[], Awaitable[AudioSource]]
"""Opens the microphone (``Microphone.open``) only when a recording starts."""


@dataclass(frozen=True, slots=True)
class Photo:
    data: bytes
    suffix: str
    """File extension for ``data``: ``.jpg`` or ``.png``."""


class Camera(Protocol):
    async def take_photo(self) -> Photo:
        """One still image; ``DeviceCapabilityError`` when the camera cannot be used."""
        ...


class ScreenCapturer(Protocol):
    async def capture(self, dest: Path) -> None:
        """Write a PNG of the whole screen to ``dest``, or raise ``MissionStepError``."""
        ...


@dataclass(frozen=True, slots=True)
class CommandScreenCapturer:
    """A screenshot program that takes the output file as its last argument."""

    argv: tuple[str, ...]

    async def capture(self, dest: Path) -> None:
        limits = ProcessLimits(time_s=DEVICE_TIMEOUT_S)
        try:
            outcome = await run_limited([*self.argv, str(dest)], cwd=dest.parent, limits=limits)
        except OSError as error:
            raise MissionStepError(f"cannot run {self.argv[0]}: {error.strerror}") from None
        if outcome.exit_code != 0 or not await asyncio.to_thread(dest.is_file):
            reason = outcome.broken_limit or outcome.output.strip() or f"exit {outcome.exit_code}"
            raise MissionStepError(f"{Path(self.argv[0]).name} could not capture: {reason}")


def find_screen_capturer(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    platform: str = sys.platform,
) -> CommandScreenCapturer | None:
    """grim on Wayland, ImageMagick's import on X11, screencapture on macOS; None otherwise."""
    env = os.environ if environ is None else environ
    candidates: list[tuple[bool, str, tuple[str, ...]]] = [
        (platform == "darwin", "screencapture", ("-x",)),
        (bool(env.get("WAYLAND_DISPLAY")), "grim", ()),
        (bool(env.get("DISPLAY")), "import", ("-window", "root")),
    ]
    for usable, program, args in candidates:
        path = which(program) if usable else None
        if path:
            return CommandScreenCapturer((path, *args))
    return None


@dataclass(frozen=True, slots=True)
class PrivacyRunnerConfig:
    data_dir: Path
    """Recordings, screenshots and photos go under it."""
    allowed_dirs: tuple[Path, ...] = ()
    """The only directories ``read_file`` reads from (symlinks resolved); none: it reads nothing."""
    max_file_bytes: int = MIB
    max_record_s: float = 600.0
    payload: PayloadLimits = field(default_factory=PayloadLimits)


class PrivacyRunner:
    """Implements ``MissionRunner`` for ``MissionKind.DEVICE_ACTION``."""

    kind = MissionKind.DEVICE_ACTION

    def __init__(
        self,
        config: PrivacyRunnerConfig,
        *,
        open_audio: OpenAudio | None = None,
        screen: ScreenCapturer | None = None,
        camera: Camera | None = None,
    ) -> None:
        self._config = config
        self._open_audio = open_audio
        self._screen = screen
        self._camera = camera
        self._allowed = tuple(directory.resolve() for directory in config.allowed_dirs)

    async def run(
        self, mission: Mission, *, done_steps: frozenset[int], on_checkpoint: OnCheckpoint
    ) -> MissionResult:
        async def perform(step: Step) -> StepOutcome:
            return await self._perform(mission, step)

        return await run_steps(
            mission,
            done_steps=done_steps,
            on_checkpoint=on_checkpoint,
            validate=lambda: self._validate(mission),
            perform=perform,
        )

    async def close(self) -> None:
        """Devices are opened per step and closed after it."""

    def _validate(self, mission: Mission) -> None:
        check_payload(mission, self.kind, ACTIONS, self._config.payload)
        for step in mission.steps:
            if step.action == "record_audio":
                self._seconds(step)
            elif step.action == "read_file":
                str_param(step, "path")

    def _seconds(self, step: Step) -> float:
        return number_param(step, "seconds", default=None, low=0, high=self._config.max_record_s)

    async def _perform(self, mission: Mission, step: Step) -> StepOutcome:
        if step.action == "read_file":
            return await asyncio.to_thread(self._read_file, str_param(step, "path"))
        if step.action == "record_audio":
            return await self._record(self._output_path(mission, step, "recordings", ".wav"), step)
        if step.action == "capture_screen":
            if self._screen is None:
                raise DeviceCapabilityError(
                    "this device cannot capture its screen (no grim, import or screencapture "
                    "for its display)"
                )
            path = self._output_path(mission, step, "screen", ".png")
            async with asyncio.timeout(DEVICE_TIMEOUT_S):
                await self._screen.capture(path)
            return StepOutcome("screen_captured", {"path": str(path)}, output=f"screen: {path}")
        if self._camera is None:
            raise DeviceCapabilityError("this device has no camera")
        async with asyncio.timeout(DEVICE_TIMEOUT_S):
            photo = await self._camera.take_photo()
        path = self._output_path(mission, step, "photos", photo.suffix)
        await asyncio.to_thread(path.write_bytes, photo.data)
        return StepOutcome("photo_taken", {"path": str(path)}, output=f"photo: {path}")

    def _output_path(self, mission: Mission, step: Step, folder: str, suffix: str) -> Path:
        directory = self._config.data_dir / folder
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"{safe_name(mission.id)}-{step.index}{suffix}"

    async def _record(self, path: Path, step: Step) -> StepOutcome:
        seconds = self._seconds(step)
        if self._open_audio is None:
            raise DeviceCapabilityError("this device has no microphone")
        try:
            source = await self._open_audio()
        except NoInputDeviceError as error:
            raise DeviceCapabilityError(str(error)) from None
        wanted = round(seconds * SAMPLE_RATE_HZ) * SAMPLE_WIDTH_BYTES
        pcm = bytearray()
        try:
            # A live microphone delivers in real time; the guard catches one that stalls.
            async with asyncio.timeout(seconds + DEVICE_TIMEOUT_S):
                async for frame in source.frames():
                    pcm += frame
                    if len(pcm) >= wanted:
                        break
        except TimeoutError:
            raise MissionStepError("the microphone stopped delivering audio") from None
        except MicrophoneLost as error:
            raise MissionStepError(f"the microphone was lost mid-recording: {error}") from None
        finally:
            await source.close()
        del pcm[wanted:]
        await asyncio.to_thread(_write_wav, path, bytes(pcm))
        got_s = len(pcm) / (SAMPLE_RATE_HZ * SAMPLE_WIDTH_BYTES)
        note = "" if len(pcm) == wanted else f"; the source ended after {got_s:.1f} s"
        return StepOutcome(
            "audio_recorded",
            {"path": str(path), "duration_s": round(got_s, 3)},
            output=f"recording: {path} ({got_s:.1f} s{note})",
        )

    def _read_file(self, raw: str) -> StepOutcome:
        """Blocking; runs on a thread."""
        path = self._allowed_path(raw)
        cap = self._config.max_file_bytes
        try:
            # O_NOFOLLOW: the last component cannot have become a symlink since it was checked;
            # O_NONBLOCK: a FIFO put there would otherwise block the open forever.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            raise MissionStepError(f"there is no file {path}") from None
        except OSError as error:
            raise MissionStepError(f"cannot read {path}: {error.strerror}") from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise MissionStepError(f"{path} is not a regular file")
            if info.st_size > cap:
                raise MissionStepError(
                    f"{path} is {format_bytes(info.st_size)}; at most {format_bytes(cap)} is read"
                )
            data = _read_up_to(fd, cap)
        finally:
            os.close(fd)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MissionStepError(f"{path} is not UTF-8 text") from None
        log.info("mission.file_read", path=str(path), bytes=len(data))
        return StepOutcome("file_read", {"path": str(path), "bytes": len(data)}, output=text)

    def _allowed_path(self, raw: str) -> Path:
        """The real path (symlinks and ``..`` resolved) if it is inside an allowed directory."""
        if not Path(raw).is_absolute():
            raise PathNotAllowedError(f"{raw!r} is not an absolute path")
        real = Path(raw).resolve()  # resolved before the check: a link out is judged by target
        if not any(real.is_relative_to(directory) for directory in self._allowed):
            shared = ", ".join(str(d) for d in self._allowed) or "none"
            raise PathNotAllowedError(
                f"{raw} is outside the directories this device shares ({shared})"
            )
        return real


def _read_up_to(fd: int, cap: int) -> bytes:
    """At most ``cap`` bytes (a file may grow between its size check and the read)."""
    chunks = bytearray()
    while len(chunks) < cap and (chunk := os.read(fd, cap - len(chunks))):
        chunks += chunk
    return bytes(chunks)


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH_BYTES)
        out.setframerate(SAMPLE_RATE_HZ)
        out.writeframes(pcm)

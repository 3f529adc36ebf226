"""Privacy actions on real files, real WAV audio and real screenshot programs (stand-ins)."""

from __future__ import annotations

import asyncio
import os
import sys
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import AudioSource
from assistant.audio.wav_source import WavSource
from assistant.errors import MicrophoneLost, NoInputDeviceError
from assistant.missions.privacy import (
    CommandScreenCapturer,
    Photo,
    PrivacyRunner,
    PrivacyRunnerConfig,
    find_screen_capturer,
)
from models.missions import Checkpoint, Mission, MissionKind, MissionResult, Step

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class CheckpointLog:
    """Stands in for the worker's link to the cloud: keeps every checkpoint it is given."""

    def __init__(self) -> None:
        self.checkpoints: list[Checkpoint] = []

    async def __call__(self, checkpoint: Checkpoint) -> None:
        self.checkpoints.append(checkpoint)


class FakeCamera:
    """Stands in for a camera, which cannot exist on this machine: returns a fixed small PNG.

    It implements the ``Camera`` port the way a webcam adapter would, so the runner's path from
    the photo to a file under the data dir is exercised for real.
    """

    def __init__(self) -> None:
        self.photos_taken = 0

    async def take_photo(self) -> Photo:
        self.photos_taken += 1
        return Photo(PNG_SIGNATURE + b"fake image data", ".png")


class ClosedSource(WavSource):
    """A real WAV source that remembers being closed (the microphone must be released)."""

    closed = False

    async def close(self) -> None:
        self.closed = True
        await super().close()


def write_tone(path: Path, seconds: float, rate_hz: int = 44_100, channels: int = 2) -> Path:
    """A 440 Hz tone as a 16-bit WAV, deliberately not in the edge's 16 kHz mono format."""
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    samples = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate_hz)
        out.writeframes(np.repeat(samples, channels).tobytes())
    return path


def mission(*steps: tuple[str, dict[str, str | int | float]], mission_id: str = "p-1") -> Mission:
    return Mission(
        id=mission_id,
        kind=MissionKind.DEVICE_ACTION,
        steps=tuple(Step(index, action, params) for index, (action, params) in enumerate(steps)),
        idempotency_key=f"key-{mission_id}",
        trace_id="trace-1",
    )


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    directory = tmp_path / "shared"
    directory.mkdir()
    (directory / "notes.txt").write_text("buy milk\n", encoding="utf-8")
    return directory


@pytest.fixture
def config(tmp_path: Path, shared: Path) -> PrivacyRunnerConfig:
    return PrivacyRunnerConfig(
        data_dir=tmp_path / "data", allowed_dirs=(shared,), max_file_bytes=64
    )


async def run(runner: PrivacyRunner, m: Mission, log: CheckpointLog | None = None) -> MissionResult:
    return await runner.run(m, done_steps=frozenset(), on_checkpoint=log or CheckpointLog())


def wav_format(path: Path) -> tuple[int, int, int, int]:
    with wave.open(str(path), "rb") as recording:
        return (
            recording.getnchannels(),
            recording.getsampwidth(),
            recording.getframerate(),
            recording.getnframes(),
        )


async def test_record_audio_writes_the_asked_seconds_as_16khz_mono_wav(
    config: PrivacyRunnerConfig, tmp_path: Path
) -> None:
    """One second recorded from a longer 44.1 kHz stereo source is a 16 kHz mono WAV of 1 s."""
    source = ClosedSource(write_tone(tmp_path / "tone.wav", seconds=2.5))

    async def open_audio() -> AudioSource:
        return source

    log = CheckpointLog()
    result = await run(
        PrivacyRunner(config, open_audio=open_audio), mission(("record_audio", {"seconds": 1})), log
    )
    assert result.ok, result.error
    path = config.data_dir / "recordings" / "p-1-0.wav"
    assert result.output == f"recording: {path} (1.0 s)"
    assert await asyncio.to_thread(wav_format, path) == (1, 2, 16_000, 16_000)
    assert log.checkpoints[0].name == "audio_recorded"
    assert log.checkpoints[0].data == {
        "path": str(path),
        "duration_s": 1.0,
        "output": f"recording: {path} (1.0 s)",
    }
    assert source.closed


async def test_record_audio_says_when_the_source_ends_early(
    config: PrivacyRunnerConfig, tmp_path: Path
) -> None:
    """Asking for more seconds than the source has keeps what there was and says so."""
    source = WavSource(write_tone(tmp_path / "tone.wav", seconds=2.0, rate_hz=16_000, channels=1))

    async def open_audio() -> AudioSource:
        return source

    result = await run(
        PrivacyRunner(config, open_audio=open_audio), mission(("record_audio", {"seconds": 5}))
    )
    assert result.ok, result.error
    assert result.output.endswith("(2.0 s; the source ended after 2.0 s)")


async def test_record_audio_without_a_microphone_says_so(config: PrivacyRunnerConfig) -> None:
    """A device without a sound input fails the step with the audio layer's own reason."""

    async def no_microphone() -> AudioSource:
        raise NoInputDeviceError("no microphone found: this machine has no sound input device")

    with_error = await run(
        PrivacyRunner(config, open_audio=no_microphone), mission(("record_audio", {"seconds": 1}))
    )
    assert with_error.error == "no microphone found: this machine has no sound input device"
    unwired = await run(PrivacyRunner(config), mission(("record_audio", {"seconds": 1})))
    assert unwired.error == "this device has no microphone"


class _PulledOut:
    """A microphone pulled out after 0.2 s (a stand-in: no sound hardware here)."""

    closed = False

    async def frames(self) -> AsyncIterator[bytes]:
        for _ in range(10):
            yield bytes(640)
        raise MicrophoneLost("USB Mic stopped")

    async def close(self) -> None:
        self.closed = True


async def test_record_audio_from_a_microphone_pulled_out_fails_saying_so(
    config: PrivacyRunnerConfig,
) -> None:
    """The step fails with the reason, the device is released, and no recording is left."""
    source = _PulledOut()

    async def open_audio() -> AudioSource:
        return source

    result = await run(
        PrivacyRunner(config, open_audio=open_audio), mission(("record_audio", {"seconds": 1}))
    )
    assert result.error == "the microphone was lost mid-recording: USB Mic stopped"
    assert source.closed
    assert not (config.data_dir / "recordings" / "p-1-0.wav").exists()


async def test_record_audio_length_is_capped(config: PrivacyRunnerConfig) -> None:
    """A recording longer than the device allows is refused before the microphone opens."""
    result = await run(PrivacyRunner(config), mission(("record_audio", {"seconds": 3600})))
    assert result.error == "step 0: seconds is 3600; it must be above 0 and at most 600"


async def test_read_file_returns_the_text_of_a_shared_file(
    config: PrivacyRunnerConfig, shared: Path
) -> None:
    """A file inside an allowed directory is read; the checkpoint has its path and size only."""
    log = CheckpointLog()
    result = await run(
        PrivacyRunner(config), mission(("read_file", {"path": str(shared / "notes.txt")})), log
    )
    assert result.ok, result.error
    assert result.output == "buy milk\n"
    assert log.checkpoints[0].name == "file_read"
    assert log.checkpoints[0].data == {
        "path": str(shared / "notes.txt"),
        "bytes": 9,
        "output": "buy milk\n",
    }


async def test_read_file_follows_a_link_that_stays_inside(
    config: PrivacyRunnerConfig, shared: Path
) -> None:
    """A symlink within the shared directory to a shared file is fine: judged by its target."""
    (shared / "link.txt").symlink_to(shared / "notes.txt")
    result = await run(
        PrivacyRunner(config), mission(("read_file", {"path": str(shared / "link.txt")}))
    )
    assert result.output == "buy milk\n"


@pytest.mark.parametrize(
    "escape",
    ["dotdot", "symlink", "symlinked-dir", "prefix-sibling", "relative"],
)
async def test_read_file_refuses_paths_outside_the_shared_directories(
    config: PrivacyRunnerConfig, shared: Path, tmp_path: Path, escape: str
) -> None:
    """``..``, symlinks out, a sibling sharing the name's prefix, relative paths: all refused."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the key", encoding="utf-8")
    sibling = tmp_path / "shared-evil"
    sibling.mkdir()
    (sibling / "x.txt").write_text("nope", encoding="utf-8")
    (shared / "out.txt").symlink_to(secret)
    (shared / "outdir").symlink_to(tmp_path)
    path = {
        "dotdot": f"{shared}/../secret.txt",
        "symlink": str(shared / "out.txt"),
        "symlinked-dir": str(shared / "outdir" / "secret.txt"),
        "prefix-sibling": str(sibling / "x.txt"),
        "relative": "notes.txt",
    }[escape]
    result = await run(PrivacyRunner(config), mission(("read_file", {"path": path})))
    assert not result.ok
    assert result.error is not None
    if escape == "relative":
        assert result.error == "'notes.txt' is not an absolute path"
    else:
        assert result.error == f"{path} is outside the directories this device shares ({shared})"
    assert "the key" not in result.output


async def test_read_file_refuses_what_it_should_not_read(
    config: PrivacyRunnerConfig, shared: Path
) -> None:
    """Too big, binary, a directory, a FIFO (no hang) or a missing file: each a clear error."""
    (shared / "big.txt").write_text("x" * 65, encoding="utf-8")
    (shared / "blob.bin").write_bytes(b"\xff\xfe\x00\x01")
    (shared / "folder").mkdir()
    os.mkfifo(shared / "pipe")
    expected = {
        "big.txt": "is 65 B; at most 64 B is read",
        "blob.bin": "is not UTF-8 text",
        "folder": "is not a regular file",
        "pipe": "is not a regular file",
        "gone.txt": "there is no file",
    }
    runner = PrivacyRunner(config)
    for name, message in expected.items():
        async with asyncio.timeout(10):  # hang guard for the FIFO
            result = await run(runner, mission(("read_file", {"path": str(shared / name)})))
        assert result.error is not None
        assert message in result.error, name


async def test_capture_screen_without_a_capturer_is_honest(config: PrivacyRunnerConfig) -> None:
    """A device without a display tool says it cannot capture its screen."""
    result = await run(PrivacyRunner(config), mission(("capture_screen", {})))
    assert result.error == (
        "this device cannot capture its screen (no grim, import or screencapture for its display)"
    )


def test_screen_capturer_is_found_only_with_a_display_and_a_program() -> None:
    """grim needs Wayland, import needs X11, screencapture needs macOS; nothing here is None."""
    on_path = {"grim": "/usr/bin/grim", "import": "/usr/bin/import"}
    assert find_screen_capturer({}, on_path.get, "linux") is None
    assert find_screen_capturer({"DISPLAY": ":0"}, {}.get, "linux") is None
    wayland = find_screen_capturer({"WAYLAND_DISPLAY": "wayland-0"}, on_path.get, "linux")
    assert wayland == CommandScreenCapturer(("/usr/bin/grim",))
    x11 = find_screen_capturer({"DISPLAY": ":0"}, on_path.get, "linux")
    assert x11 == CommandScreenCapturer(("/usr/bin/import", "-window", "root"))
    mac = find_screen_capturer({}, {"screencapture": "/usr/sbin/screencapture"}.get, "darwin")
    assert mac == CommandScreenCapturer(("/usr/sbin/screencapture", "-x"))


def fake_grim(directory: Path, *, works: bool) -> Path:
    """A real program standing in for grim: writes a PNG to its last argument, or fails."""
    body = (
        f"open(sys.argv[-1], 'wb').write({PNG_SIGNATURE!r} + b'screen')"
        if works
        else "sys.stderr.write('failed to create display'); sys.exit(1)"
    )
    path = directory / "grim"
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.mark.slow
async def test_capture_screen_runs_the_platform_program(
    config: PrivacyRunnerConfig, tmp_path: Path
) -> None:
    """The found program is run (no shell) and its PNG lands under the data dir."""
    grim = fake_grim(tmp_path, works=True)
    capturer = find_screen_capturer({"WAYLAND_DISPLAY": "w"}, {"grim": str(grim)}.get, "linux")
    log = CheckpointLog()
    result = await run(PrivacyRunner(config, screen=capturer), mission(("capture_screen", {})), log)
    assert result.ok, result.error
    path = config.data_dir / "screen" / "p-1-0.png"
    assert result.output == f"screen: {path}"
    assert (await asyncio.to_thread(path.read_bytes)).startswith(PNG_SIGNATURE)
    assert log.checkpoints[0].name == "screen_captured"


@pytest.mark.slow
async def test_capture_screen_reports_the_programs_failure(
    config: PrivacyRunnerConfig, tmp_path: Path
) -> None:
    """When the program fails, the error carries what it printed."""
    capturer = CommandScreenCapturer((str(fake_grim(tmp_path, works=False)),))
    result = await run(PrivacyRunner(config, screen=capturer), mission(("capture_screen", {})))
    assert result.error == "grim could not capture: failed to create display"


async def test_take_photo_saves_the_cameras_image(config: PrivacyRunnerConfig) -> None:
    """A photo from the camera port is written under data_dir/photos with its own suffix."""
    camera = FakeCamera()
    log = CheckpointLog()
    result = await run(PrivacyRunner(config, camera=camera), mission(("take_photo", {})), log)
    assert result.ok, result.error
    path = config.data_dir / "photos" / "p-1-0.png"
    assert result.output == f"photo: {path}"
    assert (await asyncio.to_thread(path.read_bytes)).startswith(PNG_SIGNATURE)
    assert log.checkpoints[0].name == "photo_taken"


async def test_take_photo_without_a_camera_says_so(config: PrivacyRunnerConfig) -> None:
    """A device without a camera fails the step honestly."""
    result = await run(PrivacyRunner(config), mission(("take_photo", {})))
    assert result.error == "this device has no camera"


async def test_resume_does_not_repeat_a_done_action(config: PrivacyRunnerConfig) -> None:
    """A photo already checkpointed is not taken again; the next step runs."""
    camera = FakeCamera()
    log = CheckpointLog()
    result = await PrivacyRunner(config, camera=camera).run(
        mission(("take_photo", {}), ("take_photo", {})),
        done_steps=frozenset({0}),
        on_checkpoint=log,
    )
    assert result.ok, result.error
    assert camera.photos_taken == 1
    assert [c.step_index for c in log.checkpoints] == [1]


async def test_a_mission_of_another_kind_is_refused(config: PrivacyRunnerConfig) -> None:
    """The runner only takes device actions; a python mission gets a clear error."""
    other = Mission("x", MissionKind.PYTHON, (Step(0, "run_code", {"code": "1"}),), "k", "t")
    result = await run(PrivacyRunner(config), other)
    assert result.error == "a python mission was sent to the device_action runner"

"""The platform adapters running real subprocesses against fake executables.

There is no sound server, media player or display here, so each tool (pactl, amixer, playerctl,
xdotool, wtype, osascript) is a tiny program written into tmp_path that records its argv and
prints canned output. The adapter code itself runs unchanged: argv building, output parsing,
timeouts and error handling.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AdapterError, NothingPlayingError
from assistant.platform import PlatformAdapters, _subprocess, discover
from assistant.platform.amixer import AmixerVolume
from assistant.platform.osascript import OsascriptKeyboard, OsascriptMedia, OsascriptVolume
from assistant.platform.pactl import PactlVolume
from assistant.platform.playerctl import PlayerctlMedia
from assistant.platform.wtype import WtypeKeyboard
from assistant.platform.xdotool import XdotoolKeyboard
from assistant.testing import FakeExecutable

PACTL_VOLUME = (
    "Volume: front-left: 26214 /  40% / -23.88 dB,   front-right: 26214 /  40% / -23.88 dB\n"
    "        balance 0.00\n"
)
AMIXER_VOLUME = (
    "Simple mixer control 'Master',0\n"
    "  Front Left: Playback 45 [70%] [-20.00dB] [on]\n"
    "  Front Right: Playback 45 [70%] [-20.00dB] [on]\n"
)


async def test_pactl_reads_sets_and_changes_the_default_sink(tmp_path: Path) -> None:
    """pactl: the level is parsed, set as a percentage, changed with clamping, and muted."""
    pactl = FakeExecutable.create(tmp_path, "pactl", stdout=PACTL_VOLUME)
    volume = PactlVolume(str(pactl.path))
    assert await volume.get_level() == 40
    await volume.set_level(55)
    assert await volume.change(+80) == 100
    await volume.mute()
    await volume.unmute()
    assert pactl.calls() == [
        ["get-sink-volume", "@DEFAULT_SINK@"],
        ["set-sink-volume", "@DEFAULT_SINK@", "55%"],
        ["get-sink-volume", "@DEFAULT_SINK@"],
        ["set-sink-volume", "@DEFAULT_SINK@", "100%"],
        ["set-sink-mute", "@DEFAULT_SINK@", "1"],
        ["set-sink-mute", "@DEFAULT_SINK@", "0"],
    ]


async def test_pactl_without_a_server_raises_adapter_error(tmp_path: Path) -> None:
    """A failing pactl (no sound server) raises AdapterError carrying its message."""
    pactl = FakeExecutable.create(
        tmp_path, "pactl", stderr="Connection failure: Connection refused\n", exit_code=1
    )
    with pytest.raises(AdapterError, match="Connection refused"):
        await PactlVolume(str(pactl.path)).set_level(40)


async def test_amixer_uses_the_master_control(tmp_path: Path) -> None:
    """amixer: the mapped level of Master is parsed and set; mute toggles the switch."""
    amixer = FakeExecutable.create(tmp_path, "amixer", stdout=AMIXER_VOLUME)
    volume = AmixerVolume(str(amixer.path))
    assert await volume.change(-80) == 0
    await volume.mute()
    assert amixer.calls() == [
        ["-M", "sget", "Master"],
        ["-q", "-M", "sset", "Master", "0%"],
        ["-q", "sset", "Master", "mute"],
    ]


async def test_playerctl_commands_and_no_player(tmp_path: Path) -> None:
    """playerctl gets play/pause/next/previous; "No players found" becomes NothingPlayingError."""
    playerctl = FakeExecutable.create(tmp_path, "playerctl")
    media = PlayerctlMedia(str(playerctl.path))
    await media.pause()
    await media.resume()
    await media.next()
    await media.previous()
    assert playerctl.calls() == [["pause"], ["play"], ["next"], ["previous"]]
    idle = FakeExecutable.create(tmp_path, "idle", stderr="No players found\n", exit_code=1)
    with pytest.raises(NothingPlayingError):
        await PlayerctlMedia(str(idle.path)).pause()


async def test_keyboards_pass_text_as_one_argument(tmp_path: Path) -> None:
    """xdotool and wtype get the text as one argv item after "--", never through a shell."""
    text = "-n hello; rm -rf ~ $(whoami) 'quoted'"
    xdotool = FakeExecutable.create(tmp_path, "xdotool")
    wtype = FakeExecutable.create(tmp_path, "wtype")
    await XdotoolKeyboard(str(xdotool.path)).type_text(text)
    await WtypeKeyboard(str(wtype.path)).type_text(text)
    assert xdotool.calls() == [["type", "--delay", "0", "--", text]]
    assert wtype.calls() == [["--", text]]


async def test_osascript_adapters(tmp_path: Path) -> None:
    """osascript: volume via volume settings, typing with the text as a script argument."""
    osascript = FakeExecutable.create(tmp_path, "osascript", stdout="30\n")
    volume = OsascriptVolume(str(osascript.path))
    assert await volume.change(5) == 35
    await OsascriptKeyboard(str(osascript.path)).type_text('say "hi"')
    calls = osascript.calls()
    assert calls[1] == ["-e", "set volume output volume 35"]
    assert calls[2][-1] == 'say "hi"'
    with pytest.raises(NothingPlayingError):  # the fake prints "30", not "ok": Music isn't running
        await OsascriptMedia(str(osascript.path)).pause()


async def test_slow_command_is_killed_and_reported(tmp_path: Path) -> None:
    """A command that outlives its timeout is killed and raises AdapterError."""
    slow = FakeExecutable.create(tmp_path, "slow", delay_s=30)
    with pytest.raises(AdapterError, match="took longer"):
        await _subprocess.run_command([str(slow.path)], timeout_s=0.5)


async def test_missing_executable_raises_adapter_error(tmp_path: Path) -> None:
    """A command that cannot be started raises AdapterError, not OSError."""
    with pytest.raises(AdapterError, match="could not be started"):
        await _subprocess.run_command([str(tmp_path / "nowhere")])


async def test_discover_prefers_pactl_and_finds_x11_tools(tmp_path: Path) -> None:
    """On Linux with a sound server, playerctl and an X display, every port gets an adapter."""
    for name in ("pactl", "amixer", "playerctl", "xdotool", "wtype"):
        FakeExecutable.create(tmp_path, name, stdout=PACTL_VOLUME)
    adapters = await discover(platform="linux", environ={"PATH": str(tmp_path), "DISPLAY": ":0"})
    assert isinstance(adapters.volume, PactlVolume)
    assert isinstance(adapters.media, PlayerctlMedia)
    assert isinstance(adapters.keyboard, XdotoolKeyboard)


async def test_discover_falls_back_to_amixer_and_wtype(tmp_path: Path) -> None:
    """Without a PulseAudio/PipeWire server ALSA is used; on Wayland wtype types."""
    FakeExecutable.create(tmp_path, "pactl", exit_code=1)
    FakeExecutable.create(tmp_path, "amixer", stdout=AMIXER_VOLUME)
    FakeExecutable.create(tmp_path, "wtype")
    environ = {"PATH": str(tmp_path), "WAYLAND_DISPLAY": "wayland-0"}
    adapters = await discover(platform="linux", environ=environ)
    assert isinstance(adapters.volume, AmixerVolume)
    assert adapters.media is None
    assert isinstance(adapters.keyboard, WtypeKeyboard)


async def test_discover_finds_nothing_without_tools_or_display(tmp_path: Path) -> None:
    """No tools, no display, or Windows: every port is None, so skills say they can't."""
    empty = PlatformAdapters()
    FakeExecutable.create(tmp_path, "xdotool")
    assert await discover(platform="linux", environ={"PATH": str(tmp_path)}) == empty
    assert await discover(platform="win32", environ={"PATH": str(tmp_path)}) == empty


async def test_discover_on_macos_uses_osascript(tmp_path: Path) -> None:
    """On macOS osascript drives volume, media and typing."""
    FakeExecutable.create(tmp_path, "osascript")
    adapters = await discover(platform="darwin", environ={"PATH": str(tmp_path)})
    assert isinstance(adapters.volume, OsascriptVolume)
    assert isinstance(adapters.media, OsascriptMedia)
    assert isinstance(adapters.keyboard, OsascriptKeyboard)

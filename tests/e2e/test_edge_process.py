"""The edge as a real process: timers survive a restart, `jarvis say`, clean shutdown."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
import wave
from pathlib import Path
from typing import Any

from edges import JARVIS, EdgeProcess, edge_environment, start_edge
from processes import free_port, post, wait_for


def _first_reply_event(url: str, timeout_s: float) -> tuple[dict[str, Any], float]:
    """Block on the event stream until one `reply` event arrives; returns it and when."""
    with urllib.request.urlopen(f"{url}/v1/events", timeout=timeout_s) as stream:
        event = ""
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "reply":
                return json.loads(line.removeprefix("data:")), time.time()
    raise AssertionError("the event stream ended")


def test_a_timer_set_before_a_restart_fires_after_it(data_dir: Path) -> None:
    """A timer started, then the edge stopped and started again, still fires on time."""
    first = start_edge(data_dir)
    _, started = post(first.url, "set a pasta timer for 8 seconds")
    assert started["intent"] == "timer.start"
    due_at = started["follow_up_at"]
    assert first.stop() == 0

    second = start_edge(data_dir, "edge-again.log")
    try:
        event, received_at = _first_reply_event(second.url, timeout_s=60)
    finally:
        assert second.stop() == 0
    assert event == {
        "text": "Your pasta timer is done.",
        "utterance_id": started["id"],
        "kind": "timer",
        "follow_up_at": None,
        "awaiting_confirmation": False,
    }
    # Not early: the restart did not shorten the timer.
    assert received_at >= due_at - 0.05


def test_say_prints_the_reply_and_then_the_timer(edge: EdgeProcess, data_dir: Path) -> None:
    """`jarvis say --follow "set a timer for 2 seconds"` prints the reply, then the timer."""
    result = subprocess.run(
        [JARVIS, "say", "--follow", "set a timer for 2 seconds", "--url", edge.url],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert "2 seconds" in lines[0]
    assert lines[1] == "Your 2 second timer is done." or "timer is done" in lines[1]


def test_say_reports_a_failed_cloud_request(edge: EdgeProcess, data_dir: Path) -> None:
    """A request for the cloud prints the honest failure and exits non-zero."""
    result = subprocess.run(
        [JARVIS, "say", "what is the weather in Paris", "--url", edge.url],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "not reachable" in result.stdout


def test_say_without_an_edge_explains(data_dir: Path) -> None:
    """With nothing listening, `jarvis say` says so instead of a traceback."""
    result = subprocess.run(
        [JARVIS, "say", "hello", "--url", "http://127.0.0.1:9"],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "No edge answers" in result.stderr
    assert "Traceback" not in result.stderr


def test_logs_are_json_lines_with_the_trace_keys(edge: EdgeProcess) -> None:
    """Off a terminal the edge logs JSON lines, each with the four trace keys."""
    post(edge.url, "what time is it")
    edge.stop()
    lines = [json.loads(line) for line in edge.log().splitlines() if line.startswith("{")]
    received = [line for line in lines if line["event"] == "utterance.received"]
    assert received
    for line in lines:
        assert {"trace_id", "device_id", "session_id", "mission_id"} <= set(line)
    assert received[0]["trace_id"]
    assert received[0]["device_id"]
    assert received[0]["mission_id"] is None


def test_history_lists_what_was_said(edge: EdgeProcess, data_dir: Path) -> None:
    """`jarvis history --json` shows the utterances with intent and reply."""
    post(edge.url, "add eggs to my shopping list")
    result = subprocess.run(
        [JARVIS, "history", "--json"],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (line,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert line["text"] == "add eggs to my shopping list"
    assert line["intent"] == "list.add"
    assert line["reply"]


def test_every_reply_is_spoken(data_dir: Path) -> None:
    """With voice on, the reply and the timer's later announcement are both spoken (to a WAV)."""
    spoken = data_dir.parent / "spoken.wav"
    edge = start_edge(data_dir, voice=True, speak_to=spoken)
    try:
        _, started = post(edge.url, "set a timer for 1 second")
        event, _ = _first_reply_event(edge.url, timeout_s=60)
        assert event["utterance_id"] == started["id"]
        assert event["kind"] == "timer"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _seconds(spoken) < 2.0:
            time.sleep(0.2)
    finally:
        edge.stop()
    with wave.open(str(spoken)) as audio:
        assert audio.getnchannels() == 1
    # "Timer set for 1 second." and "Your 1 second timer is done." take well over 2 s to say.
    assert _seconds(spoken) >= 2.0


def _seconds(path: Path) -> float:
    try:
        with wave.open(str(path)) as audio:
            return audio.getnframes() / audio.getframerate()
    except (FileNotFoundError, EOFError, wave.Error):
        return 0.0


def test_a_muted_satellite_stays_muted_and_undialled_after_a_restart(data_dir: Path) -> None:
    """Muted with `jarvis mute`, a Wyoming satellite (and the microphone) are muted again when
    the edge starts next, and the satellite is never dialled then; `jarvis unmute` lets it be
    dialled again. An address that is not configured is refused, naming the one that is."""
    nowhere = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there: each dial is refused
    settings = {"JARVIS_WYOMING_SATELLITES": nowhere}
    first = start_edge(data_dir, extra_env=settings)
    try:
        wait_for(lambda: "satellite.unreachable" in first.log(), 30, "a first dial")
        muted = _jarvis(data_dir, "mute", nowhere, "--url", first.url)
        assert muted.stdout.splitlines() == ["microphone: none (text only)", f"{nowhere}: muted"]
        assert _jarvis(data_dir, "mute", "--url", first.url).stdout.startswith("microphone: muted")
        wrong = _jarvis(data_dir, "unmute", "tcp://attic-pi:10700", "--url", first.url, ok=False)
        assert wrong.returncode == 1
        assert f"JARVIS_WYOMING_SATELLITES: {nowhere}" in wrong.stderr
    finally:
        assert first.stop() == 0

    second = start_edge(data_dir, "edge-again.log", extra_env=settings)
    try:
        listening = _console_state(second.url)["listening"]
        time.sleep(3.0)  # a few re-dials' time, had it dialled
        assert "satellite.unreachable" not in second.log()
        unmuted = _jarvis(data_dir, "unmute", nowhere, "--url", second.url)
        assert unmuted.stdout.splitlines() == [
            "microphone: muted",
            f"{nowhere}: not connected (dialling)",
        ]
        wait_for(lambda: "satellite.unreachable" in second.log(), 30, "a dial once unmuted")
    finally:
        assert second.stop() == 0
    assert listening["muted"] is True
    assert listening["satellites"] == [{"uri": nowhere, "connected": False, "muted": True}]


def _jarvis(data_dir: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [JARVIS, *args],
        env=edge_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def _console_state(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/v1/console/state", timeout=10) as response:
        state: dict[str, Any] = json.load(response)
    return state

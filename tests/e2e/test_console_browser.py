"""The web console in a real browser: Debian's chromium, driven by playwright, against a real
cloud and a real edge (both processes). One browser for the whole module; a fresh page per test.

Screenshots of the page at desktop and phone width are saved under the test's temp dir.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from edges import JARVIS, EdgeProcess, start_edge
from processes import CloudProcess, cloud_environment, enroll, free_port, start_cloud, wait_for

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 20_000
TALK_COMMAND = "Set a timer for ten minutes."


@dataclass
class Stack:
    cloud: CloudProcess
    cloud_dir: Path
    edge: EdgeProcess
    root: Path


def _status(edge: EdgeProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{edge.url}/v1/status", timeout=10) as response:
        status: dict[str, Any] = json.load(response)
    return status


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("console")
    cloud_dir = root / "cloud" / "data"
    cloud_dir.mkdir(parents=True)
    cloud = start_cloud(cloud_dir, free_port())
    edge_dir = root / "kitchen" / "data"
    edge_dir.mkdir(parents=True)
    edge: EdgeProcess | None = None
    try:
        enroll(cloud_dir, edge_dir, "kitchen")
        edge = start_edge(
            edge_dir,
            cloud_url=cloud.url,
            device_name="kitchen",
            extra_env={
                "JARVIS_TTS_ENGINE": "piper",
                # A satellite that is never there: the page shows its switch, offline.
                "JARVIS_WYOMING_SATELLITES": f"tcp://127.0.0.1:{free_port()}",
            },
        )
        running = edge
        wait_for(lambda: _status(running)["cloud"]["connected"], 60, "the edge to connect")
        yield Stack(cloud, cloud_dir, edge, root)
    finally:
        if edge is not None:
            edge.stop()
        cloud.stop()


@pytest.fixture(scope="module")
def spoken_command(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ "set a timer for ten minutes" in piper's voice, with silence around it: chromium's fake
    microphone plays it from the start when the page opens the microphone, then loops it."""
    from assistant.testing_speech import load_piper_voice, write_wav

    voice = load_piper_voice()
    chunks = list(voice.synthesize(TALK_COMMAND))
    rate = int(chunks[0].sample_rate)
    speech = b"".join(np.asarray(chunk.audio_int16_array).tobytes() for chunk in chunks)
    silence = bytes(2 * rate)
    path = tmp_path_factory.mktemp("speech") / "set-a-timer.wav"
    return write_wav(path, silence + speech + silence * 3, rate)


@pytest.fixture(scope="module")
def browser(spoken_command: Path) -> Iterator[Any]:
    """One chromium for the module, its fake microphone fed the spoken command."""
    from playwright.sync_api import sync_playwright

    fake_microphone = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={spoken_command}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS + fake_microphone
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    """A fresh page on the console; fails the test on any script error or CSP violation."""
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    opened.goto(f"{stack.edge.url}/")
    opened.wait_for_selector("text=cloud connected", timeout=WAIT_MS)
    yield opened
    context.close()
    assert not problems, problems


def _say(page: Any, text: str) -> None:
    page.fill("#say", text)
    page.press("#say", "Enter")


def _turn(page: Any, said: str) -> Any:
    return page.locator("li.turn", has=page.locator(".said", has_text=said)).last


def test_typing_a_request_shows_the_reply(page: Any) -> None:
    """A typed request appears with its intent and the edge's reply."""
    _say(page, "add oat milk to my shopping list")
    turn = _turn(page, "add oat milk to my shopping list")
    turn.locator(".reply", has_text="I added oat milk to your shopping list.").wait_for(
        timeout=WAIT_MS
    )
    assert "list.add" in turn.locator(".meta").first.inner_text()
    page.locator("label", has_text="oat milk").wait_for(timeout=WAIT_MS)


def test_a_timer_appears_and_counts_down(page: Any) -> None:
    """A timer set by text shows in the timers panel, and its countdown goes down live."""
    _say(page, "set a tea timer for 2 minutes")
    countdown = page.locator("li[data-timer]", has_text="tea").locator(".countdown")
    countdown.wait_for(timeout=WAIT_MS)
    first = countdown.inner_text()
    assert re.match(r"0[12]:\d\d", first), first
    page.wait_for_function(
        "([el, first]) => el.textContent.trim() !== first.trim()",
        arg=[countdown.element_handle(), first],
        timeout=WAIT_MS,
    )
    assert countdown.inner_text() < first
    page.locator("li[data-timer]", has_text="tea").get_by_role("button", name="Cancel").click()
    countdown.wait_for(state="detached", timeout=WAIT_MS)


LAYOUT_SHIFTS = """() => {
  window.jarvisShifts = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput) window.jarvisShifts.push(entry.value);
    }
  }).observe({ type: "layout-shift" });
}"""


def test_a_reminder_from_the_cloud_appears_without_a_reload(page: Any) -> None:
    """The cloud's acknowledgement, then the reminder itself, arrive over the event stream,
    and the page does not shift while they stream in."""
    page.evaluate(LAYOUT_SHIFTS)
    _say(page, "remind me in 3 seconds to stretch")
    turn = _turn(page, "remind me in 3 seconds to stretch")
    turn.locator(".reply", has_text="Okay, I'll remind you to stretch").wait_for(timeout=WAIT_MS)
    page.locator(".reply", has_text="Reminder: stretch.").wait_for(timeout=WAIT_MS)
    assert page.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("() => window.jarvisShifts") == []


def test_a_cloud_line_shows_its_trace_one_click_away(page: Any) -> None:
    """The trace button of a forwarded line shows the edge's and the cloud's events."""
    _say(page, "remind me in 1 hour to water the plants")
    turn = _turn(page, "remind me in 1 hour to water the plants")
    turn.locator(".reply", has_text="water the plants").wait_for(timeout=WAIT_MS)
    turn.get_by_role("button", name="Trace").click()
    timeline = turn.locator("ol.timeline")
    timeline.wait_for(timeout=WAIT_MS)
    text = timeline.inner_text()
    assert "edge" in text
    assert "utterance.received" in text
    assert "cloud" in text.replace("edge", ""), text


def test_cancelling_a_mission_from_the_page_cancels_it(page: Any, stack: Stack) -> None:
    """A long Python mission shows as running; its Cancel button stops it in the cloud."""
    script = stack.root / "slow.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(300)\n")
    subprocess.run(
        [JARVIS, "cloud", "script", "add", "slow", str(script)],
        env=cloud_environment(stack.cloud_dir, 0, None),
        capture_output=True,
        timeout=120,
        check=True,
    )
    _say(page, "run my slow script")
    row = page.locator("li[data-mission]", has_text="slow")
    row.get_by_role("button", name="Cancel").wait_for(timeout=60_000)
    mission_id = row.first.get_attribute("data-mission")
    row.get_by_role("button", name="Cancel").click()
    page.locator(".reply", has_text="I stopped the mission").wait_for(timeout=WAIT_MS)
    row.locator("summary", has_text="cancelled").wait_for(timeout=WAIT_MS)
    token = (stack.cloud_dir / "cloud" / "admin_token").read_text(encoding="utf-8").strip()
    request = urllib.request.Request(
        f"{stack.cloud.url}/v1/missions/{mission_id}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.load(response)["state"] == "cancelled"


def test_push_to_talk_in_the_browser_sets_a_timer_and_plays_the_reply(page: Any) -> None:
    """Holding the space bar sends the fake microphone's speech to the edge: it is recognized,
    the timer is set, and the reply's synthesized audio reaches the page."""
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.down("Space")
    turn = page.locator("li.turn", has=page.locator(".said", has_text=re.compile("timer", re.I)))
    try:
        turn.locator(".reply", has_text="Timer set for 10 minutes.").wait_for(timeout=60_000)
    finally:
        page.keyboard.up("Space")
    assert "timer.start" in turn.locator(".meta").first.inner_text()
    # The timers panel is fetched again after the reply: wait for it before counting.
    timers = page.locator("li[data-timer]", has_text="10 minute")
    timers.first.wait_for(timeout=WAIT_MS)
    assert timers.count() == 1
    page.wait_for_function(
        "() => document.querySelector('audio.reply-audio').dataset.bytes > 10000", timeout=WAIT_MS
    )
    page.wait_for_function(
        "() => document.querySelector('audio.reply-audio').duration > 0.5", timeout=WAIT_MS
    )


@pytest.mark.parametrize(
    ("wake_word", "companion", "check", "badge"),
    [
        ("hey jarvis", None, None, "Waiting for “hey jarvis” · knows the voices of sam, alex"),
        (
            "hey jarvis",
            "microWakeWord",
            None,
            "Waiting for “hey jarvis” · also woken by microWakeWord"
            " · knows the voices of sam, alex",
        ),
        (
            "hey jarvis",
            "microWakeWord",
            "whisper check",
            "Waiting for “hey jarvis” · also woken by whisper check and microWakeWord"
            " · knows the voices of sam, alex",
        ),
        (None, "microWakeWord", "whisper check", "Waiting"),
        (
            "hey jarvis",
            "microWakeWord",
            "whisper check",
            "Waiting for “hey jarvis” (strict) · also woken by whisper check and microWakeWord"
            " · knows the voices of sam, alex",
        ),
        (
            "hey jarvis",
            "microWakeWord",
            "whisper check",
            "Waiting for “hey jarvis” · also woken by whisper check and microWakeWord"
            " · knows the voices of sam, alex · last woke {at} (whisper check)",
        ),
        (
            "hey jarvis",
            None,
            None,
            "Waiting for “hey jarvis” · knows the voices of sam, alex"
            " · last woke {at} (its detector, sam's voice)",
        ),
        (
            "hey jarvis",
            None,
            None,
            "Waiting for “hey jarvis” · knows the voices of sam, alex"
            " · stayed asleep at {miss} (the verifier doubted it)",
        ),
        (
            "hey jarvis",
            "microWakeWord",
            "whisper check",
            "Waiting for “hey jarvis” · also woken by whisper check and microWakeWord"
            " · knows the voices of sam, alex · last woke {at} (whisper check)"
            " · stayed asleep at {miss} (the whisper check doubted it)",
        ),
        (
            "hey jarvis",
            "microWakeWord",
            "whisper check",
            "Waiting for “hey jarvis” · also woken by whisper check, slowed detector and"
            " microWakeWord · knows the voices of sam, alex · last woke {at} (slowed detector)",
        ),
        (
            "hey jarvis",
            None,
            None,
            "Waiting for “hey jarvis” · knows the voices of sam, alex"
            " · replies shown, not spoken (no speaker)",
        ),
        (None, None, None, "Waiting · replies shown, not spoken (no speaker)"),
    ],
)
def test_the_listening_badge_names_the_companion_and_the_enrolled_voices(
    browser: Any,
    stack: Stack,
    wake_word: str | None,
    companion: str | None,
    check: str | None,
    badge: str,
) -> None:
    """Beside the listening state, the second detector that also wakes Jarvis and whose enrolled
    voices the wake word knows; nothing about either when it listens without a wake word (a
    stale companion in the state is not shown then); when it last woke and which ear heard the
    phrase (whose voice, for an enrolled one); when the detector last fired and a check said no,
    unless it has woken since (the badges with a wake and no such words hold an older near
    miss); that replies are not spoken when the edge has no speaker. The page talks to the real
    edge, but the
    listening part of its state and the listening event stream are replaced in the browser by
    what a voice loop with enrolled voices reports: this machine has no microphone, so the
    edge's own voice loop never runs here (the loop's report is tested in
    tests/integration/test_wake_word.py)."""
    with urllib.request.urlopen(f"{stack.edge.url}/v1/console/state", timeout=10) as response:
        view = json.load(response)["listening"] | {
            "state": "waiting",
            "microphone": True,
            "wake_word": wake_word,
            "enrolled_voices": ["sam", "alex"] if wake_word else ["sam"],
            "wake_companion": companion,
            "wake_check": check,
            # JARVIS_WAKE_SLOWED, where the badge names it.
            "wake_slowed": "slowed detector" if "slowed detector" in badge else None,
            "last_wake": None,
            # JARVIS_WAKE_SENSITIVITY=strict, where the badge says so.
            "wake_sensitivity": "strict" if "(strict)" in badge else "normal",
            # No speaker (this machine has none) only where the badge says so.
            "speaker": "not spoken" not in badge,
        }
    # Half a second past a whole second: the page's clock offset (milliseconds) cannot change it.
    woke_at = int(time.time()) - 30 + 0.5
    if "{at}" in badge:
        by = "slowed detector" if "(slowed detector)" in badge else check or "detector"
        voice = None if check else "sam"
        view["last_wake"] = {"at": woke_at, "by": by, "score": 0.97, "voice": voice}
    if "{at}" in badge or "{miss}" in badge:
        rejected_by = "whisper check" if "whisper check doubted" in badge else "verifier"
        view["last_near_miss"] = {
            "at": woke_at + 10 if "{miss}" in badge else woke_at - 10,
            "rejected_by": rejected_by,
            "score": 0.996,
            "verifier_score": 0.2,
            "checked": 0.01 if rejected_by == "whisper check" else None,
        }
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()

    def state(route: Any) -> None:
        route.fulfill(json=route.fetch().json() | {"listening": view})

    def listening_events(route: Any) -> None:
        body = f"event: listening\ndata: {json.dumps(view)}\n\n"
        route.fulfill(body=body, headers={"Content-Type": "text/event-stream"})

    opened.route("**/v1/console/state", state)
    opened.route("**/v1/console/listening/events", listening_events)
    try:
        opened.goto(f"{stack.edge.url}/")
        state_badge = opened.get_by_label("Listening state")
        opened.wait_for_function(
            "() => document.querySelector('[aria-label=\"Listening state\"]').textContent !== '…'",
            timeout=WAIT_MS,
        )
        shown_at, shown_miss = (
            opened.evaluate(
                "(at) => new Date(at * 1000).toLocaleTimeString([],"
                " { hour: '2-digit', minute: '2-digit', second: '2-digit' })",
                at,
            )
            for at in (woke_at, woke_at + 10)
        )
        assert state_badge.inner_text() == badge.format(at=shown_at, miss=shown_miss)
    finally:
        context.close()


def test_a_satellite_is_muted_and_unmuted_from_the_page(page: Any, stack: Stack) -> None:
    """The configured satellite has its own switch beside the microphone's: the page says it is
    offline (nothing answers at its address), a click mutes it at the edge, another unmutes it."""
    (satellite,) = _console_state(stack.edge)["listening"]["satellites"]
    name = satellite["uri"].removeprefix("tcp://")
    page.get_by_role("button", name=f"Mute {name} (offline)", exact=True).click()
    unmute = page.get_by_role("button", name=f"Unmute {name}", exact=True)
    unmute.wait_for(timeout=WAIT_MS)
    assert unmute.get_attribute("aria-pressed") == "true"
    assert _console_state(stack.edge)["listening"]["satellites"][0]["muted"] is True
    assert _console_state(stack.edge)["listening"]["muted"] is False  # the microphone's own
    unmute.click()
    page.get_by_role("button", name=f"Mute {name} (offline)", exact=True).wait_for(timeout=WAIT_MS)
    assert _console_state(stack.edge)["listening"]["satellites"][0]["muted"] is False


def _console_state(edge: EdgeProcess) -> dict[str, Any]:
    with urllib.request.urlopen(f"{edge.url}/v1/console/state", timeout=10) as response:
        state: dict[str, Any] = json.load(response)
    return state


def test_the_talk_socket_refuses_another_origin(stack: Stack) -> None:
    """A WebSocket opened from another site's page is refused before it upgrades."""
    request = urllib.request.Request(
        f"{stack.edge.url}/v1/console/talk",
        headers={
            "Origin": "http://evil.example",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 403


def test_the_page_is_keyboard_operable(page: Any) -> None:
    """Tab reaches the text box and Enter sends it; the live region announces the reply."""
    page.locator("#say").focus()
    page.keyboard.type("what is 6 times 7")
    page.keyboard.press("Enter")
    page.locator("[role=status]", has_text="42").wait_for(timeout=WAIT_MS)
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.tagName") in {"BUTTON", "INPUT"}


def test_screenshots_at_desktop_and_phone_width(page: Any, stack: Stack) -> None:
    """The page (after the tests above, when run with them) saved at both widths; nothing
    scrolls sideways at phone width."""
    _say(page, "set a pasta timer for 8 minutes")
    page.locator("li[data-timer]", has_text="pasta").wait_for(timeout=WAIT_MS)
    page.locator("section", has_text="Devices").locator("text=connected").wait_for(timeout=WAIT_MS)
    desktop = stack.root / "console-desktop.png"
    page.screenshot(path=str(desktop))
    page.set_viewport_size(PHONE)
    phone = stack.root / "console-phone.png"
    page.screenshot(path=str(phone), full_page=True)
    print(f"screenshots: {desktop} {phone}")
    assert desktop.stat().st_size > 10_000
    assert phone.stat().st_size > 10_000
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways at phone width"


def test_a_token_is_asked_for_and_never_put_in_a_url(browser: Any, tmp_path: Path) -> None:
    """An edge with a token: the page asks for it, then sends it only in headers (and the talk
    socket's first message), never in any URL it requests."""
    token = "console-browser-test-token"
    data = tmp_path / "data"
    data.mkdir()
    edge = start_edge(data, extra_env={"JARVIS_EDGE_TOKEN": token})
    context = browser.new_context(viewport=DESKTOP)
    try:
        opened = context.new_page()
        urls: list[str] = []
        opened.on("request", lambda request: urls.append(request.url))
        opened.on("websocket", lambda socket: urls.append(socket.url))
        opened.goto(f"{edge.url}/")
        opened.fill("#token", token)
        opened.press("#token", "Enter")
        _say(opened, "what is 2 plus 3")
        opened.locator(".reply", has_text="5").first.wait_for(timeout=WAIT_MS)
        opened.locator("body").click(position={"x": 5, "y": 5})
        opened.keyboard.down("Space")
        opened.locator("button.ptt[aria-pressed=true]").wait_for(timeout=60_000)
        opened.keyboard.up("Space")
        assert any(url.endswith("/v1/console/talk") for url in urls)
        assert not [url for url in urls if token in url]
    finally:
        context.close()
        edge.stop()

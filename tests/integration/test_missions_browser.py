"""Browser missions with real chromium against real pages served from 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from assistant.missions.browser_runner import BrowserRunner, BrowserRunnerConfig
from models.missions import Checkpoint, Mission, MissionKind, Step

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

_PAGE = "<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
_LOGIN_FORM = """
<form method="post" action="/login">
  <input id="user" name="user"><input id="password" name="password" type="password">
  <button id="submit" type="submit">Sign in</button>
</form>"""
_LATE = """
<p id="now">here now</p>
<script>setTimeout(() => {
  const p = document.createElement("p"); p.id = "late"; p.textContent = "arrived late";
  document.body.append(p);
}, 300);</script>"""


def page(title: str, body: str) -> web.Response:
    return web.Response(text=_PAGE.format(title=title, body=body), content_type="text/html")


async def home(_request: web.Request) -> web.Response:
    return page("Jarvis test page", '<h1 id="greeting">Hello, edge</h1>')


async def login_form(_request: web.Request) -> web.Response:
    return page("Sign in", _LOGIN_FORM)


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    response = web.HTTPFound("/account")
    # A "remember me" cookie: session cookies, like in any browser, end with the browser.
    response.set_cookie("session", str(form["user"]), max_age=3600, httponly=True)
    raise response


async def account(request: web.Request) -> web.Response:
    user = request.cookies.get("session")
    text = f"Signed in as {user}" if user else "Signed out"
    return page("Account", f'<p id="who">{text}</p>')


async def late(_request: web.Request) -> web.Response:
    return page("Late", _LATE)


@pytest.fixture
async def site(aiohttp_server: Any) -> str:
    """Base URL of a real HTTP server on 127.0.0.1, a random port."""
    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/login", login_form)
    app.router.add_post("/login", login)
    app.router.add_get("/account", account)
    app.router.add_get("/late", late)
    server = await aiohttp_server(app, host="127.0.0.1")
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def config(tmp_path: Path) -> BrowserRunnerConfig:
    return BrowserRunnerConfig(
        profile_dir=tmp_path / "profile",
        data_dir=tmp_path / "data",
        executable_path=CHROMIUM,
        step_timeout_ms=5_000,
    )


@pytest.fixture
async def runner(config: BrowserRunnerConfig) -> AsyncIterator[BrowserRunner]:
    runner = BrowserRunner(config)
    yield runner
    await runner.close()


class CheckpointLog:
    """Stands in for the worker's link to the cloud: keeps every checkpoint it is given."""

    def __init__(self) -> None:
        self.checkpoints: list[Checkpoint] = []

    async def __call__(self, checkpoint: Checkpoint) -> None:
        self.checkpoints.append(checkpoint)

    @property
    def names(self) -> list[str]:
        return [checkpoint.name for checkpoint in self.checkpoints]


Params = dict[str, str | int | float | bool]


def mission(*steps: tuple[str, Params], mission_id: str = "b-1") -> Mission:
    return Mission(
        id=mission_id,
        kind=MissionKind.BROWSER,
        steps=tuple(Step(index, action, params) for index, (action, params) in enumerate(steps)),
        idempotency_key=f"key-{mission_id}",
        trace_id="trace-1",
    )


def sign_in(site: str) -> Mission:
    return mission(
        ("goto", {"url": f"{site}/login"}),
        ("fill", {"selector": "#user", "value": "alice"}),
        ("fill", {"selector": "#password", "value": "s3cret"}),
        ("click", {"selector": "#submit"}),
        ("wait_for", {"selector": "#who"}),
        ("read_text", {"selector": "#who"}),
        mission_id="sign-in",
    )


def who_am_i(site: str, mission_id: str) -> Mission:
    return mission(
        ("goto", {"url": f"{site}/account"}),
        ("read_text", {"selector": "#who"}),
        mission_id=mission_id,
    )


async def run(runner: BrowserRunner, m: Mission, log: Callable[..., Any] | None = None) -> Any:
    return await runner.run(m, done_steps=frozenset(), on_checkpoint=log or CheckpointLog())


async def test_reads_the_real_title_and_text_of_a_page(runner: BrowserRunner, site: str) -> None:
    """read_title and read_text return what the served page says, in step order."""
    log = CheckpointLog()
    result = await run(
        runner,
        mission(
            ("goto", {"url": f"{site}/"}),
            ("read_title", {}),
            ("read_text", {"selector": "#greeting"}),
        ),
        log,
    )
    assert result.ok, result.error
    assert result.output == "Jarvis test page\nHello, edge"
    assert log.names == ["navigated", "title_read", "text_read"]
    assert log.checkpoints[0].data == {"url": f"{site}/", "status": 200}


async def test_login_cookie_persists_across_missions_and_runner_restarts(
    config: BrowserRunnerConfig, site: str
) -> None:
    """A login lives in the worker's profile: for the next mission, and after close and reopen."""
    first = BrowserRunner(config)
    try:
        signed_in = await run(first, sign_in(site))
        assert signed_in.ok, signed_in.error
        assert signed_in.output == "Signed in as alice"
        again = await run(first, who_am_i(site, "same-runner"))
        assert again.output == "Signed in as alice"
    finally:
        await first.close()

    second = BrowserRunner(config)
    try:
        reopened = await run(second, who_am_i(site, "reopened"))
        assert reopened.ok, reopened.error
        assert reopened.output == "Signed in as alice"
    finally:
        await second.close()


async def test_another_profile_is_not_signed_in(
    config: BrowserRunnerConfig, tmp_path: Path, site: str
) -> None:
    """Cookies belong to the profile: a fresh profile directory starts signed out."""
    other = BrowserRunner(
        BrowserRunnerConfig(
            profile_dir=tmp_path / "other-profile",
            data_dir=config.data_dir,
            executable_path=CHROMIUM,
        )
    )
    try:
        result = await run(other, who_am_i(site, "stranger"))
        assert result.output == "Signed out"
    finally:
        await other.close()


async def test_fill_never_checkpoints_the_value(runner: BrowserRunner, site: str) -> None:
    """A filled value (a password) stays out of checkpoints; the selector is recorded."""
    log = CheckpointLog()
    result = await run(runner, sign_in(site), log)
    assert result.ok, result.error
    assert log.names == ["navigated", "filled", "filled", "clicked", "appeared", "text_read"]
    assert all("s3cret" not in str(dict(c.data)) for c in log.checkpoints)


async def test_wait_for_waits_for_an_element_that_appears_later(
    runner: BrowserRunner, site: str
) -> None:
    """wait_for returns once a script adds the element, and its text can then be read."""
    result = await run(
        runner,
        mission(
            ("goto", {"url": f"{site}/late"}),
            ("wait_for", {"selector": "#late", "timeout_ms": 5_000}),
            ("read_text", {"selector": "#late"}),
        ),
    )
    assert result.ok, result.error
    assert result.output == "arrived late"


async def test_screenshot_is_a_png_under_the_data_dir(
    runner: BrowserRunner, site: str, config: BrowserRunnerConfig
) -> None:
    """screenshot writes a real PNG under data_dir/screenshots and puts its path in the output."""
    log = CheckpointLog()
    result = await run(
        runner, mission(("goto", {"url": f"{site}/"}), ("screenshot", {}), mission_id="shot"), log
    )
    assert result.ok, result.error
    path = Path(result.output.removeprefix("screenshot: "))
    assert path == config.data_dir / "screenshots" / "shot-1.png"
    png = await asyncio.to_thread(path.read_bytes)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert log.checkpoints[-1].data == {"path": str(path), "output": f"screenshot: {path}"}


async def test_a_missing_element_fails_the_step_with_a_clear_error(
    runner: BrowserRunner, site: str
) -> None:
    """A selector that matches nothing fails at its timeout, naming the step and the selector."""
    log = CheckpointLog()
    result = await run(
        runner,
        mission(
            ("goto", {"url": f"{site}/"}),
            ("click", {"selector": "#no-such-button", "timeout_ms": 500}),
            ("read_title", {}),
        ),
        log,
    )
    assert not result.ok
    assert result.error == "step 1 (click): '#no-such-button' was not ready within 500 ms"
    assert log.names == ["navigated"]


async def test_an_invalid_selector_fails_with_playwrights_reason(
    runner: BrowserRunner, site: str
) -> None:
    """A selector that cannot be parsed fails at once with playwright's first line of reason."""
    result = await run(
        runner,
        mission(("goto", {"url": f"{site}/"}), ("read_text", {"selector": "[[nope"})),
    )
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("step 1 (read_text): ")
    assert "\n" not in result.error


async def test_an_http_error_page_fails_the_goto(runner: BrowserRunner, site: str) -> None:
    """goto to a page that answers 404 fails, saying the status."""
    result = await run(runner, mission(("goto", {"url": f"{site}/missing"})))
    assert result.error == "step 0 (goto): the page answered HTTP 404"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "chrome://settings", "http://"]
)
async def test_only_http_addresses_are_visited(runner: BrowserRunner, url: str) -> None:
    """goto refuses other schemes (file: would bypass the privacy rules) before starting."""
    result = await run(runner, mission(("goto", {"url": url})))
    assert result.error == f"step 0: {url!r} is not an http or https address"


async def test_resume_replays_navigation_only(runner: BrowserRunner, site: str) -> None:
    """On resume the last done goto is replayed silently; done clicks are not run again."""
    log = CheckpointLog()
    result = await runner.run(
        mission(
            ("goto", {"url": f"{site}/"}),
            ("click", {"selector": "#does-not-exist"}),
            ("read_text", {"selector": "#greeting"}),
        ),
        done_steps=frozenset({0, 1}),
        on_checkpoint=log,
    )
    assert result.ok, result.error
    assert result.output == "Hello, edge"
    assert log.names == ["text_read"]


async def test_a_missing_chromium_fails_the_mission_clearly(tmp_path: Path, site: str) -> None:
    """A wrong executable path ends the mission with an error naming it, not an exception."""
    runner = BrowserRunner(
        BrowserRunnerConfig(
            profile_dir=tmp_path / "p", data_dir=tmp_path / "d", executable_path=tmp_path / "nope"
        )
    )
    try:
        result = await run(runner, mission(("goto", {"url": f"{site}/"})))
    finally:
        await runner.close()
    assert result.error is not None
    assert result.error.startswith(f"cannot start chromium at {tmp_path / 'nope'}: ")

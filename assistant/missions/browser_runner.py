"""Browser missions: playwright driving chromium in this worker's own persistent profile.

The profile (cookies, local storage) lives under ``profile_dir`` on the edge, so a login made
once stays on this device and is never sent to the cloud. Session cookies (no expiry) end with
the browser, as in any browser; "remember me" cookies survive ``close()`` and a new runner.

Steps, each with a ``timeout_ms`` (default ``step_timeout_ms``): ``goto`` (``url``: http or
https only; ``file:`` would read the device's files around the privacy rules) → ``navigated``;
``click`` (``selector``) → ``clicked``; ``fill`` (``selector``, ``value``; the value is never
logged nor checkpointed, it may be a password) → ``filled``; ``wait_for`` (``selector``) →
``appeared``; ``read_text`` (``selector``) → ``text_read``, the text joins the output;
``read_title`` → ``title_read``; ``screenshot`` (optional ``full_page``) → ``screenshot_saved``,
a PNG under ``data_dir/screenshots`` whose path joins the output.

Resuming: a new worker has a blank page (and its own profile). Navigation is the one step safe to
repeat, so the last done ``goto`` is replayed silently before the first step that runs; done
clicks and fills are not, as they may have had effects (a form sent, an order placed).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import structlog

from assistant.errors import MissionPayloadError, MissionStepError
from assistant.missions import OnCheckpoint
from assistant.missions._steps import (
    KIB,
    PayloadLimits,
    StepOutcome,
    bool_param,
    check_payload,
    number_param,
    run_steps,
    safe_name,
    str_param,
)
from assistant.missions.process_tree import CappedOutput
from models.missions import STEP_ACTIONS, Mission, MissionKind, MissionResult, Step

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Playwright
    from playwright.async_api import Error as PlaywrightError

log = structlog.get_logger(__name__)

_PLAYWRIGHT_API = "playwright.async_api"


async def _playwright() -> ModuleType:
    """playwright's async API, imported at the first browser step rather than with this module:
    every edge builds a runner where chromium exists, and the import costs ~15 MB of resident
    memory and ~0.7 s (both measured here) that an edge which never drives a browser should not
    pay at start-up. The first import runs in a thread, so the event loop does not wait it out."""
    api = sys.modules.get(_PLAYWRIGHT_API)
    if api is None:
        api = await asyncio.to_thread(importlib.import_module, _PLAYWRIGHT_API)
    return api


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
ACTIONS = STEP_ACTIONS[MissionKind.BROWSER]
_NEEDS_SELECTOR = frozenset({"click", "fill", "wait_for", "read_text"})
MAX_STEP_TIMEOUT_MS = 300_000.0
_HANG_GUARD_S = 10.0
"""Added to a step's own timeout: playwright enforces that one, this only catches a stuck driver."""


@dataclass(frozen=True, slots=True)
class BrowserRunnerConfig:
    profile_dir: Path
    """This worker's persistent chromium profile: its logins stay here."""
    data_dir: Path
    """Screenshots are written under ``data_dir/screenshots``."""
    executable_path: Path = Path("/usr/bin/chromium")
    step_timeout_ms: float = 30_000.0
    text_bytes: int = 64 * KIB
    """Cap on each text read; longer text is cut in the middle with a marker."""
    payload: PayloadLimits = field(default_factory=PayloadLimits)


class BrowserRunner:
    """Implements ``MissionRunner`` for ``MissionKind.BROWSER``; one browser context, started at
    the first step that needs it and kept until ``close()``; each mission gets its own page."""

    kind = MissionKind.BROWSER

    def __init__(self, config: BrowserRunnerConfig) -> None:
        self._config = config
        self._lock = asyncio.Lock()
        self._playwright: Playwright | None = None
        self._context: BrowserContext | None = None

    async def run(
        self, mission: Mission, *, done_steps: frozenset[int], on_checkpoint: OnCheckpoint
    ) -> MissionResult:
        session = _Session(self, mission)
        try:
            return await run_steps(
                mission,
                done_steps=done_steps,
                on_checkpoint=on_checkpoint,
                validate=lambda: self._validate(mission),
                perform=session.perform,
                skip=session.skip,
            )
        finally:
            await session.close()

    async def close(self) -> None:
        async with self._lock:
            context, playwright = self._context, self._playwright
            self._context = self._playwright = None
            if context is not None:
                await context.close()  # flushes the profile (cookies) to disk
            if playwright is not None:
                await playwright.stop()

    async def new_page(self) -> Page:
        async with self._lock:
            if self._context is None:
                self._context = await self._launch()
            return await self._context.new_page()

    async def _launch(self) -> BrowserContext:
        api = await _playwright()
        config = self._config
        config.profile_dir.mkdir(parents=True, exist_ok=True)
        playwright: Playwright = await api.async_playwright().start()
        try:
            context: BrowserContext = await playwright.chromium.launch_persistent_context(
                str(config.profile_dir),
                executable_path=str(config.executable_path),
                headless=True,
                args=list(CHROMIUM_ARGS),
            )
        except api.Error as error:
            await playwright.stop()
            raise MissionStepError(
                f"cannot start chromium at {config.executable_path}: {_first_line(error)}"
            ) from None
        except BaseException:
            await playwright.stop()
            raise
        self._playwright = playwright
        log.info("browser.started", profile=str(config.profile_dir))
        return context

    def _validate(self, mission: Mission) -> None:
        check_payload(mission, self.kind, ACTIONS, self._config.payload)
        for step in mission.steps:
            self.timeout_ms(step)
            if step.action == "goto":
                check_url(step)
            if step.action in _NEEDS_SELECTOR:
                str_param(step, "selector")
            if step.action == "fill":
                str_param(step, "value")
            if step.action == "screenshot":
                bool_param(step, "full_page", default=False)

    def timeout_ms(self, step: Step) -> float:
        default = self._config.step_timeout_ms
        return number_param(step, "timeout_ms", default=default, low=0, high=MAX_STEP_TIMEOUT_MS)

    @property
    def config(self) -> BrowserRunnerConfig:
        return self._config


def check_url(step: Step) -> str:
    url = str_param(step, "url")
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc:
        raise MissionPayloadError(f"step {step.index}: {url!r} is not an http or https address")
    return url


class _Session:
    """One mission on the runner's browser: its page, opened at the first step that runs."""

    def __init__(self, runner: BrowserRunner, mission: Mission) -> None:
        self._runner = runner
        self._mission = mission
        self._page: Page | None = None
        self._replay_url: str | None = None

    def skip(self, step: Step) -> None:
        if step.action == "goto":
            self._replay_url = check_url(step)

    async def close(self) -> None:
        if self._page is not None:
            api = await _playwright()
            with contextlib.suppress(api.Error):  # the browser may already be gone
                await self._page.close()

    async def perform(self, step: Step) -> StepOutcome:
        api = await _playwright()
        timeout_ms = self._runner.timeout_ms(step)
        what = f"step {step.index} ({step.action})"
        try:
            async with asyncio.timeout(timeout_ms / 1000 + _HANG_GUARD_S):
                page = await self._ready_page(timeout_ms)
                return await self._act(page, step, timeout_ms)
        except api.TimeoutError:
            target = step.params.get("selector") or step.params.get("url") or "the page"
            raise MissionStepError(
                f"{what}: {target!r} was not ready within {timeout_ms:g} ms"
            ) from None
        except api.Error as error:
            raise MissionStepError(f"{what}: {_first_line(error)}") from None
        except TimeoutError:
            raise MissionStepError(f"{what}: the browser did not answer") from None

    async def _ready_page(self, timeout_ms: float) -> Page:
        if self._page is None:
            self._page = await self._runner.new_page()
        if self._replay_url is not None:
            log.info("browser.navigation_replayed", url=self._replay_url)
            await self._page.goto(self._replay_url, timeout=timeout_ms)
            self._replay_url = None
        return self._page

    async def _act(self, page: Page, step: Step, timeout_ms: float) -> StepOutcome:
        action = step.action
        if action == "goto":
            response = await page.goto(check_url(step), timeout=timeout_ms)
            status = response.status if response is not None else None
            if status is not None and status >= 400:
                raise MissionStepError(f"step {step.index} (goto): the page answered HTTP {status}")
            return StepOutcome("navigated", {"url": page.url, "status": status})
        if action == "read_title":
            title = self._capped(await page.title())
            return StepOutcome("title_read", {"title": title}, output=title)
        if action == "screenshot":
            return await self._screenshot(page, step, timeout_ms)
        selector = str_param(step, "selector")
        element = page.locator(selector).first
        if action == "click":
            await element.click(timeout=timeout_ms)
            return StepOutcome("clicked", {"selector": selector})
        if action == "fill":
            await element.fill(str_param(step, "value"), timeout=timeout_ms)
            return StepOutcome("filled", {"selector": selector})
        if action == "wait_for":
            await element.wait_for(state="visible", timeout=timeout_ms)
            return StepOutcome("appeared", {"selector": selector})
        text = self._capped(await element.inner_text(timeout=timeout_ms))
        return StepOutcome("text_read", {"selector": selector, "text": text}, output=text)

    async def _screenshot(self, page: Page, step: Step, timeout_ms: float) -> StepOutcome:
        folder = self._runner.config.data_dir / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{safe_name(self._mission.id)}-{step.index}.png"
        full_page = bool_param(step, "full_page", default=False)
        await page.screenshot(path=path, full_page=full_page, timeout=timeout_ms, type="png")
        return StepOutcome("screenshot_saved", {"path": str(path)}, output=f"screenshot: {path}")

    def _capped(self, text: str) -> str:
        output = CappedOutput(self._runner.config.text_bytes)
        # Page text is JavaScript's: it may hold lone surrogates, which become U+FFFD.
        output.add(text.encode(errors="surrogatepass"))
        return output.text()


def _first_line(error: PlaywrightError) -> str:
    """Playwright's messages end with a call log; the first line is the one a person needs."""
    lines = (error.message or str(error)).strip().splitlines()
    return lines[0] if lines else type(error).__name__

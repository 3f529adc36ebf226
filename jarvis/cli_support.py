"""What every `jarvis` command module shares: settings that fail politely, a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import click

from jarvis.logs import configure_logging
from jarvis.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    """This process's settings, with logging configured; a bad value exits with its message."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def run_until_stopped(main: Coroutine[Any, Any, None], *, fast_loop: bool = False) -> None:
    """Run ``main``; Ctrl-C and SIGTERM cancel it, so every ``finally`` runs.

    ``fast_loop``: run on uvloop where it is installed (the cloud, whose work is all sockets);
    the standard loop otherwise.
    """

    async def guarded() -> None:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        # Cancellation is how this process is asked to stop: it ends here, cleanly.
        with contextlib.suppress(asyncio.CancelledError):
            await main

    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=loop_factory(fast_loop)) as runner,
    ):
        runner.run(guarded())


def loop_factory(fast: bool) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's when ``fast`` and it is installed; None (the standard loop) otherwise."""
    if not fast:
        return None
    try:
        import uvloop
    except ImportError:  # not built for this platform (Windows): the standard loop does the job
        return None
    return uvloop.new_event_loop

"""What every `jarvis` command module shares: settings that fail politely, a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import click

from jarvis.logs import configure_logging
from jarvis.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from assistant.audio import AudioSource


def settings_or_exit(*, service: bool = False) -> Settings:
    """This process's settings, with logging configured; a bad value exits with its message.

    ``service``: a long-running process (`up`, `edge`, `cloud`), whose JSON logs keep ``info``
    lines unless a level is asked for; other commands log warnings and errors only."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    configure_logging(
        settings.log_level, settings.log_format, json_default="info" if service else "warning"
    )
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


def run_service(
    settings: Settings,
    main: Callable[[], Coroutine[Any, Any, None]],
    *,
    fast_loop: bool = False,
    own_data_dir: bool = True,
) -> None:
    """Run ``main()`` until stopped, holding the data dir when ``own_data_dir``; what stops it
    at start-up (a busy data dir or port, damaged data, an unsafe setting) is one line, exit 1.
    """
    from assistant.errors import EdgeSetupError
    from cloud.errors import CloudError
    from jarvis.data_dir import DataDirBusyError, owning

    def warn(line: str) -> None:
        click.echo(f"Warning: {line}", err=True)

    try:
        with owning(settings.data_dir, warn) if own_data_dir else contextlib.nullcontext():
            run_until_stopped(main(), fast_loop=fast_loop)
    except (DataDirBusyError, EdgeSetupError) as error:
        raise click.ClickException(str(error)) from None
    except CloudError as error:
        raise click.ClickException(error.message) from None


async def live_source(from_stdin: bool, input_device: str | None) -> AudioSource:
    """Raw 16 kHz PCM on stdin (``--stdin``), or the microphone."""
    if from_stdin:
        from assistant.audio.pcm_stdin import PcmStdinSource

        return PcmStdinSource()
    from assistant.audio.microphone import Microphone

    return await Microphone.open(input_device)


EDGE_REQUEST_TIMEOUT_S = 10.0


def call_edge(method: str, path: str, url: str | None, body: Any = None) -> dict[str, Any]:
    """The running edge's JSON answer to ``method path`` (``url``: its base URL, by default
    from the settings); an edge that is not there, or refuses, is a one-line error."""
    settings = settings_or_exit()
    base_url = url or f"http://{settings.edge_host}:{settings.edge_port}"
    token = settings.edge_token
    return asyncio.run(_request_edge(method, base_url + path, body, token))


async def _request_edge(method: str, url: str, body: Any, token: str | None) -> dict[str, Any]:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}"} if token else None
    timeout = aiohttp.ClientTimeout(total=EDGE_REQUEST_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout, headers=headers) as session,
            session.request(method, url, json=body) as response,
        ):
            answer: dict[str, Any] = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise click.ClickException(
            f"No edge answers at {url} ({error}). Is `jarvis up` running?"
        ) from None
    if response.status >= 400:
        raise click.ClickException(answer.get("error", {}).get("message", str(answer)))
    return answer

"""Runs one platform command without a shell, bounded by a timeout, without blocking the loop."""

from __future__ import annotations

import asyncio

import structlog

from assistant.errors import AdapterError

log = structlog.get_logger(__name__)

COMMAND_TIMEOUT_S = 5.0
"""Seconds a volume/media/keyboard command may take before it is killed."""


async def run_command(argv: list[str], *, timeout_s: float = COMMAND_TIMEOUT_S) -> str:
    """Runs ``argv`` and returns its stdout; raises :class:`AdapterError` when it fails."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as error:
        raise AdapterError(f"{argv[0]} could not be started: {error}") from error
    try:
        async with asyncio.timeout(timeout_s):
            stdout, stderr = await process.communicate()
    except TimeoutError as error:
        raise AdapterError(f"{argv[0]} took longer than {timeout_s} s") from error
    finally:
        if process.returncode is None:  # timed out or cancelled: never leave it running
            process.kill()
            await process.wait()
    if process.returncode != 0:
        message = stderr.decode(errors="replace").strip() or f"exit status {process.returncode}"
        log.warning("platform.command_failed", argv=argv[:2], status=process.returncode)
        raise AdapterError(f"{argv[0]} failed: {message}")
    return stdout.decode(errors="replace")


async def probe(argv: list[str], *, timeout_s: float = 2.0) -> bool:
    """Whether ``argv`` runs and succeeds within ``timeout_s``; used only at start-up."""
    try:
        await run_command(argv, timeout_s=timeout_s)
    except AdapterError:
        return False
    return True

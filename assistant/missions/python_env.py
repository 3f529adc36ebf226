"""Throwaway virtual environments: made with ``uv`` when it is installed, else ``python -m venv``.

Only the argument lists live here; running them under limits is ``process_tree``'s job. Packages
are installed as wheels only (``uv --no-build``, ``pip --only-binary :all:``): a source
distribution would run its build script with the worker's environment, before any limit or
isolation applies to the mission's own code.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import MissionPayloadError

MAX_PACKAGES = 100
_REQUIREMENT = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"  # the project name (PEP 508)
    r"(?:\[[A-Za-z0-9._-]+(?:,[A-Za-z0-9._-]+)*\])?"  # extras
    r"(?:(?:===|==|!=|~=|<=|>=|<|>)[A-Za-z0-9.*+!_-]+)?"  # one version clause
)
"""A name with optional extras and one version clause: never an option (``--index-url``), a
path or a URL, which would let a mission point the installer somewhere else."""

_SEPARATOR = re.compile(r"\s+|,(?![^\[]*\])")
"""Whitespace, or a comma outside the brackets of extras (``a, b[x,y]``)."""


def find_uv() -> Path | None:
    """``uv`` on PATH, or None (environments then come from the standard library's venv)."""
    found = shutil.which("uv")
    return Path(found) if found else None


def parse_packages(text: str) -> list[str]:
    """Requirements from a comma or space separated list; ``MissionPayloadError`` for anything
    that is not a plain requirement."""
    packages = [part for part in _SEPARATOR.split(text) if part]
    if len(packages) > MAX_PACKAGES:
        raise MissionPayloadError(f"{len(packages)} packages; at most {MAX_PACKAGES} are allowed")
    for package in packages:
        if not _REQUIREMENT.fullmatch(package):
            raise MissionPayloadError(
                f"{package!r} is not a package requirement (a name, optional [extras] and "
                "one version clause such as ==1.2)"
            )
    return packages


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


@dataclass(frozen=True, slots=True)
class VenvTools:
    """How environments are made and filled on this worker."""

    python: Path
    """The interpreter environments are based on."""
    uv: Path | None
    """``find_uv()``; None uses ``python -m venv`` and the environment's own pip."""
    find_links: Path | None = None
    """A local directory of wheels to install from (``--find-links``)."""
    offline: bool = False
    """Never ask a package index: only ``find_links`` (``--no-index``)."""

    def create_argv(self, venv: Path) -> list[str]:
        if self.uv is not None:
            return [
                str(self.uv), "venv", "--quiet", "--no-python-downloads",
                "--python", str(self.python), str(venv),
            ]  # fmt: skip
        return [str(self.python), "-m", "venv", str(venv)]

    def install_argv(self, venv: Path, packages: list[str]) -> list[str]:
        if self.uv is not None:
            argv = [
                str(self.uv), "pip", "install", "--quiet", "--no-build",
                "--python", str(venv_python(venv)),
            ]  # fmt: skip
            if self.offline:
                argv += ["--offline", "--no-index"]
        else:
            argv = [
                str(venv_python(venv)), "-m", "pip", "install", "--quiet", "--no-input",
                "--disable-pip-version-check", "--only-binary", ":all:",
            ]  # fmt: skip
            if self.offline:
                argv.append("--no-index")
        if self.find_links is not None:
            argv += ["--find-links", str(self.find_links)]
        return [*argv, *packages]

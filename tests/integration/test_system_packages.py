"""`scripts/system-packages`, which `just up`, `just test` and CI run before anything else.

It runs for real; only the package manager is replaced (``dpkg-query``, ``apt-get``, ``sudo``
and ``id`` are small scripts on PATH that record their calls): installing packages in a test
would change the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "system-packages"
LIST = ROOT / "scripts" / "system-packages.txt"


def _listed() -> list[str]:
    return [
        line.split()[0]
        for line in LIST.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


@pytest.fixture
def fakes(tmp_path: Path) -> Path:
    """A bin dir whose package manager reports ``$MISSING`` absent and logs what it is asked."""
    folder = tmp_path / "bin"
    folder.mkdir()
    log = tmp_path / "calls.log"
    scripts = {
        "dpkg-query": 'for arg; do last="$arg"; done\n'
        '[[ " $MISSING " == *" $last "* ]] && exit 1\n'
        'printf "install ok installed"',
        "apt-get": f'echo "apt-get $*" >> {log}',
        "sudo": f'echo "sudo $1 $2" >> {log}\n"$@"',
        "id": 'echo "${FAKE_UID:-0}"',
    }
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/usr/bin/env bash\n{body}\n")
        path.chmod(0o755)
    return folder


def _run(fakes: Path, purpose: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{fakes}{os.pathsep}{os.environ['PATH']}", **environ}
    return subprocess.run(
        [str(SCRIPT), purpose], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_nothing_missing_installs_nothing(fakes: Path) -> None:
    """With every listed package installed, it exits 0 without calling apt-get."""
    result = _run(fakes, "test", MISSING="")
    assert result.returncode == 0, result.stderr
    assert not (fakes.parent / "calls.log").exists()


def test_a_missing_package_is_named_and_installed_through_sudo(fakes: Path) -> None:
    """Not root, libportaudio2 missing: it says what and why, then sudo apt-get installs it."""
    result = _run(fakes, "up", MISSING="libportaudio2", FAKE_UID="1000")
    assert result.returncode == 0, result.stderr
    assert "libportaudio2: the microphone and the speaker" in result.stderr
    calls = (fakes.parent / "calls.log").read_text().splitlines()
    assert "sudo apt-get update" in calls
    assert any(c.startswith("apt-get install") and c.endswith("libportaudio2") for c in calls)


def test_packages_only_tests_need_are_left_to_just_test(fakes: Path) -> None:
    """xvfb is a test package: `up` does not ask for it, `test` does."""
    assert _run(fakes, "up", MISSING="xvfb").returncode == 0
    assert not (fakes.parent / "calls.log").exists()
    assert _run(fakes, "test", MISSING="xvfb").returncode == 0
    assert "xvfb" in (fakes.parent / "calls.log").read_text()


def test_elsewhere_it_stops_with_the_command_to_run(tmp_path: Path) -> None:
    """Without dpkg (not Debian) and without espeak-ng, it exits 1 naming what to install."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("bash", "dirname", "uname", "python3", "grep", "env"):
        found = shutil.which(tool)
        assert found is not None
        (folder / tool).symlink_to(found)
    result = subprocess.run(
        [str(folder / "bash"), str(SCRIPT), "up"],
        env={"PATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "espeak-ng" in result.stderr
    assert "Install them" in result.stderr


def test_ci_uses_the_same_list() -> None:
    """.ci/run installs through the script, and names no package of its own."""
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/system-packages" in ci
    assert not [name for name in _listed() if name in ci]


@pytest.mark.skipif(shutil.which("just") is None, reason="just is not installed")
@pytest.mark.parametrize("recipe", ["up", "test"])
def test_just_checks_the_packages_first(recipe: str) -> None:
    """`just up` and `just test` run the check before setting up or starting anything."""
    result = subprocess.run(
        ["just", "--dry-run", recipe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stderr.splitlines()[0] == f"scripts/system-packages {recipe}"

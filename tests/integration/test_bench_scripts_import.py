"""Each benchmark run as a script (``python bench/NAME.py``) finds the packages it imports.

Run so, Python puts ``bench/`` first on the path, where ``bench/understanding.py`` would shadow
the ``understanding`` package that ``assistant.stt`` imports: each script moves ``bench/`` last
before importing the project. Imported here as a script would be, with nothing run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if '__name__ == "__main__"' in p.read_text())


def test_the_scripts_are_found() -> None:
    assert {"speech", "speech_room", "wake_word", "understanding"} <= set(SCRIPTS)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_imports_as_a_script(name: str) -> None:
    # As ``python bench/NAME.py`` starts: bench/ first on the path (``-P``: and not the working
    # directory), the file run under a name of its own, so that its ``main()`` is not called.
    probe = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); import runpy; "
        f"runpy.run_path({str(BENCH / (name + '.py'))!r}, run_name='bench_import_probe')"
    )
    ran = subprocess.run(
        [sys.executable, "-P", "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0, ran.stderr[-2000:]

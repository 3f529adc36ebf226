"""The layout's rules: models/ is pure, the edge and the cloud never import each other."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _imported_top_levels(package: Path) -> set[str]:
    names: set[str] = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_models_import_only_the_standard_library_and_msgspec() -> None:
    """Every import in models/ is the standard library, msgspec (the wire codec) or models."""
    allowed = set(sys.stdlib_module_names) | {"models", "msgspec"}
    foreign = _imported_top_levels(ROOT / "models") - allowed
    assert foreign == set()


def test_import_contracts_hold() -> None:
    """import-linter's contracts (edge/cloud independence, models below all) are kept."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _sql_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sql_in_store", ROOT / "scripts/sql_in_store.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sql_is_written_only_in_the_cloud_store() -> None:
    """No module of cloud/ outside cloud/store runs a query or holds a statement."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/sql_in_store.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sql_check_finds_queries_and_statements_but_not_docstrings(tmp_path: Path) -> None:
    """A query call and a statement string are offences; a docstring naming SQL is not."""
    source = tmp_path / "leak.py"
    source.write_text(
        '"""Claims rows with ``SELECT … FOR UPDATE SKIP LOCKED``."""\n'
        "async def f(pool):\n"
        '    """UPDATE devices SET nothing: a docstring."""\n'
        '    await pool.fetchval("SELECT 1")\n'
        '    query = "DELETE FROM outbox WHERE id = $1"\n',
        encoding="utf-8",
    )
    found = list(_sql_check().offences(source))
    assert sorted(line.split(": ", 1)[0].rsplit(":", 1)[1] for line in found) == ["4", "4", "5"]


def test_the_edge_starts_without_importing_playwright(tmp_path: Path) -> None:
    """playwright (~15 MB resident, ~0.7 s to import here) is imported at a browser mission's
    first step, not when the edge starts and builds its browser runner (many edges never drive a
    browser), and then in a thread, not on the event loop."""
    probe = (
        "import asyncio, importlib, sys, threading\n"
        "from pathlib import Path\n"
        "import assistant.app\n"
        "from assistant.missions import browser_runner\n"
        "config = browser_runner.BrowserRunnerConfig(Path(sys.argv[1]), Path(sys.argv[1]))\n"
        "browser_runner.BrowserRunner(config)\n"
        "print(sorted(name for name in sys.modules if name.startswith('playwright')))\n"
        "imported_on = []\n"
        "real_import = importlib.import_module\n"
        "def import_module(name, *args):\n"
        "    imported_on.append((name, threading.current_thread() is threading.main_thread()))\n"
        "    return real_import(name, *args)\n"
        "importlib.import_module = import_module\n"
        "api = asyncio.run(browser_runner._playwright())\n"
        "print(imported_on, api.__name__)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    at_start, first_step = loaded.stdout.strip().splitlines()
    assert at_start == "[]"
    assert first_step == "[('playwright.async_api', False)] playwright.async_api"

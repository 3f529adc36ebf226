"""The layout's rules: models/ is pure, the edge and the cloud never import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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

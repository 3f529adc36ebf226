"""Check that the cloud writes SQL in ``cloud/store`` only (``just lint`` runs it).

Outside ``cloud/store`` (and its migrations), no module may call a query method of a
connection or pool (``fetch``, ``fetchrow``, ``fetchval``, ``execute``…) nor hold a string that
starts like a statement (docstrings aside): such code goes in a topic-named store module, and
the caller calls its typed function. Prints each offence as ``path:line: what``; exit status 1
when there is any.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLOUD = ROOT / "cloud"
STORE = CLOUD / "store"
QUERY_METHODS = frozenset(
    {
        "fetch",
        "fetchrow",
        "fetchval",
        "execute",
        "executemany",
        "copy_from_query",
        "copy_from_table",
        "copy_to_table",
        "copy_records_to_table",
    }
)
STATEMENT = re.compile(
    r"\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS|LISTEN|NOTIFY)\b",
    re.IGNORECASE,
)


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string nodes that are docstrings (of the module, classes, functions), or
    the attribute docstrings that follow an assignment."""
    found: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for statement in body:
            if (
                isinstance(statement, ast.Expr)
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                found.add(id(statement.value))
    return found


def offences(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docstrings = _docstrings(tree)
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
        ):
            yield f"{where}:{node.lineno}: a query (.{node.func.attr}) outside cloud/store"
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and STATEMENT.match(node.value)
        ):
            yield f"{where}:{node.lineno}: SQL outside cloud/store: {node.value.strip()[:60]!r}"


def main() -> int:
    found = [
        offence
        for path in sorted(CLOUD.rglob("*.py"))
        if STORE not in path.parents
        for offence in offences(path)
    ]
    for offence in found:
        print(offence)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

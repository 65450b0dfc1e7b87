"""``bchub.bigcommerce`` is a plain client: it imports nothing else from bchub, and never bcsandbox."""

from __future__ import annotations

import ast
from pathlib import Path

import bchub.bigcommerce

PACKAGE = Path(bchub.bigcommerce.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_client_package_stands_alone() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0] == "bcsandbox" or (name.startswith("bchub") and not name.startswith("bchub.bigcommerce"))
    }
    assert not offenders, sorted(offenders)
    assert len(list(PACKAGE.rglob("*.py"))) > 10

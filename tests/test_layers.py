"""The layers stay as the README's development map draws them."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)\b")


def test_import_contracts_hold():
    """pyproject.toml's contracts: the library never imports the CLI, typer or rich; the CLI
    sits over the close, over chargeback, over reports and reconcile, over bills, pricing and sources, over the store."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    run = subprocess.run([lint, "--config", str(REPO / "pyproject.toml")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]


def test_the_cli_holds_no_sql():
    found = []
    for path in sorted((REPO / "litecost" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
    assert found == []


def test_only_the_registry_and_an_explicit_mapping_name_an_adapter():
    """General modules reach adapters through the registry (`invoices.adapters`), never by
    name: a new provider is one module and one line in `adapters.MODULES`. Detection names
    the generic adapter for an explicit --mapping, which is what a mapping means."""
    adapter = re.compile(r"litecost\.invoices\.adapters\.(\w+)|from litecost\.invoices\.adapters import (\w+)")
    allowed = {("invoices/detect.py", "generic")}
    found = set()
    for path in sorted((REPO / "litecost").rglob("*.py")):
        where = path.relative_to(REPO / "litecost").as_posix()
        if where.startswith("invoices/adapters/"):
            continue
        for match in adapter.finditer(path.read_text()):
            name = match.group(1) or match.group(2)
            if name not in ("adapter_for", "all_layouts", "adapters"):
                found.add((where, name))
    assert found <= allowed, sorted(found - allowed)

"""Shared helpers for the invoice tests: a CLI runner for `invoices`, stored-line queries."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Optional

import duckdb
import typer
from typer.testing import CliRunner

from conftest import DATA, Run
from litecost.cli.common import LitecostGroup
from litecost.cli.invoices import app as invoices_app

BILLING = DATA / "billing"
D = Decimal


def _root() -> typer.Typer:
    # The `invoices` group under a root with the global --db option, as `litecost` mounts it.
    root = typer.Typer(cls=LitecostGroup)

    @root.callback()
    def _callback(ctx: typer.Context, db: Optional[str] = typer.Option(None, "--db")) -> None:
        ctx.obj = {"db": db}

    root.add_typer(invoices_app, name="invoices")
    return root


ROOT = _root()


def run_invoices(db: Path, *args: object) -> Run:
    result = CliRunner().invoke(ROOT, ["--db", str(db), "invoices", *[str(a) for a in args]], catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


def query(db: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def count(db: Path, table: str) -> int:
    return query(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]


def lines_of(store, file_id: int) -> list[dict]:  # noqa: ANN001
    cursor = store.con.execute(
        "SELECT * FROM invoice_lines WHERE invoice_file_id = ? ORDER BY source_row, kind, category", [file_id]
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def tokens_by(lines: list[dict], *keys: str) -> dict[tuple, int]:
    """Token quantities summed by the given line fields (token lines only)."""
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line["kind"] == "token" and line["quantity"] is not None:
            out[tuple(line[k] for k in keys)] += line["quantity"]
    return {k: int(v) for k, v in out.items()}


def amounts_by(lines: list[dict], *keys: str) -> dict[tuple, Decimal]:
    out: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        out[tuple(line[k] for k in keys)] += line["amount"]
    return {k: v.normalize() for k, v in out.items()}


def total(lines: list[dict]) -> Decimal:
    return sum((line["amount"] for line in lines), Decimal(0))

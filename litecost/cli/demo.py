"""`litecost demo`: the bundled sample month, end to end, with ordinary commands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from litecost.cli.common import db_path, note

HELP = """Run litecost on the sample month shipped with it: ingest it twice (as a
SpendLogs CSV and as callback JSON lines), then db info, reports by team and tag,
pricing diff, the reconciliation with the month's six provider bills, spend by team on
the invoice basis, and last the month's close package (close-2026-10/ beside the
database, index.html to open). Each step is an ordinary litecost command, shown on
stderr so you can run it yourself.

The database is --db, or ./demo.duckdb. An earlier demo's database is rebuilt; a
database holding anything else is refused and left untouched."""


def demo_command(
    ctx: typer.Context,
    data: Optional[Path] = typer.Option(None, "--data", help="A copy of sample_data/ [default: the one shipped with litecost].", metavar="DIR"),
) -> None:
    from litecost.cli.main import app
    from litecost.demo import close_folder, demo_steps, prepare_database

    target = Path(db_path(ctx) or "demo.duckdb")
    steps = demo_steps(data, close_folder(target))
    prepare_database(target, data)
    command = typer.main.get_command(app)
    for step in steps:
        shown = " ".join(_shown(arg) for arg in step.args)
        note(f"# {step.note}")
        note(f"$ litecost --db {target} {shown}")
        try:
            command.main(["--db", str(target), *(_shown(arg) for arg in step.args)], prog_name="litecost")
        except SystemExit as exc:  # every litecost command ends with its exit code
            if exc.code:
                raise typer.Exit(exc.code) from None


def _shown(arg: str) -> str:
    """A path relative to the working directory where that is shorter, for reading."""
    if os.path.isabs(arg):
        relative = os.path.relpath(arg)
        return arg if relative.startswith("..") else relative
    return arg

"""`litecost` entry point: the root command and its global options."""

from __future__ import annotations

from typing import Optional

import typer

from litecost import __version__
from litecost.cli import close as close_commands
from litecost.cli import db as db_commands
from litecost.cli import export as export_commands
from litecost.cli import demo as demo_commands
from litecost.cli import ingest as ingest_commands
from litecost.cli import invoices as invoices_commands
from litecost.cli import pricing as pricing_commands
from litecost.cli import reconcile as reconcile_commands
from litecost.cli import report as report_commands
from litecost.cli import signals
from litecost.cli.common import LitecostGroup
from litecost.errors import EXIT_CODE_HELP

app = typer.Typer(
    cls=LitecostGroup,
    name="litecost",
    help="FinOps for LiteLLM traffic: ingest spend logs, re-price calls, slice spend, reconcile bills.\n\n"
    + EXIT_CODE_HELP,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"litecost {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Optional[str] = typer.Option(
        None, "--db", envvar="LITECOST_DB", help="Database file [default: ./litecost.duckdb].", metavar="PATH"
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    ctx.obj = {"db": db, "debug": debug}


app.command("ingest", help=ingest_commands.HELP, no_args_is_help=True)(ingest_commands.ingest_command)
app.command("report", help=report_commands.HELP, no_args_is_help=True)(report_commands.report_command)
app.command("reconcile", help=reconcile_commands.HELP, no_args_is_help=True)(reconcile_commands.reconcile_command)
app.command("close", help=close_commands.HELP, no_args_is_help=True)(close_commands.close_command)
app.add_typer(export_commands.app, name="export")
app.add_typer(invoices_commands.app, name="invoices")
app.add_typer(pricing_commands.app, name="pricing")
app.add_typer(db_commands.app, name="db")
app.command("demo", help=demo_commands.HELP)(demo_commands.demo_command)


def main() -> None:
    signals.install()
    app(prog_name="litecost")  # also under `python -m litecost`


if __name__ == "__main__":  # pragma: no cover
    main()

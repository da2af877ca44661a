"""`litecost export`: the calls in formats other tools ingest (FOCUS 1.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from litecost.cli import options
from litecost.cli.common import db_path, note, rate_options
from litecost.pricing.book import load_book

app = typer.Typer(help="Export the calls for other tools: focus (FOCUS 1.2, for FinOps platforms).", no_args_is_help=True)

FOCUS_HELP = """The period's calls as a FOCUS 1.2 dataset (CSV or Parquet, by the file name), for a
FinOps platform's custom-provider import: one row per charge period (UTC day or hour),
provider, model, token category, service tier, key, team and tag set. BilledCost and
EffectiveCost are the basis (repriced: the price book's cost; logged: LiteLLM's cost split
over the call's token categories; invoice: the imported bills' money allocated to the calls
as `report --basis invoice` does, with credits, taxes and other charges no call carries as
rows of their own); ListCost and ContractedCost the price book's, with unit prices per
1,000,000 tokens. Sums agree with `litecost report` for the same period and basis."""


@app.command("focus", help=FOCUS_HELP, no_args_is_help=True)
def focus_command(
    ctx: typer.Context,
    period: Optional[str] = typer.Option(None, "--period", help="2026-10, last-month, … (UTC)."),
    since: Optional[str] = options.SINCE,
    until: Optional[str] = options.UNTIL,
    basis: str = typer.Option("repriced", "--basis", help="repriced (the price book's cost), logged (LiteLLM's) or invoice (the imported bills' money allocated to the calls)."),
    invoice: Optional[list[int]] = typer.Option(None, "--invoice", help="Basis invoice: allocate this imported bill (repeatable; default: every current bill of the period).", metavar="ID"),
    spread: str = typer.Option("none", "--spread", help="Basis invoice: none (rows of their own for money no call carries) or proportional."),
    rate: Optional[list[str]] = options.RATE,
    grain: str = typer.Option("day", "--grain", help="Charge periods of a UTC day or hour."),
    output: Path = typer.Option(..., "--output", "-o", help="FILE.csv or FILE.parquet, written atomically.", metavar="FILE"),
    pricing: Optional[list[str]] = options.PRICING,
    wait: float = options.WAIT,
) -> None:
    from litecost.focus import focus_format, focus_rows, focus_spec, write_focus
    from litecost.store import Store

    spec = focus_spec(period=period, since=since, until=until, basis=basis, grain=grain, invoices=invoice or [], spread=spread,
                      rates=rate_options(rate))
    focus_format(output)
    book = load_book(pricing)
    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        rows = focus_rows(store, spec, book)
    write_focus(rows, output)
    billed = sum((r["BilledCost"] for r in rows), start=0)
    note(f"{output}: {len(rows):,} FOCUS 1.2 rows, {spec.period.label}, BilledCost {billed:,.2f} USD ({basis})")

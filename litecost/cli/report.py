"""`litecost report`: spend sliced by tag, key, team, user, model, provider and time."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import OutputFormat, choose_format, db_path, note, rate_options, warn, write_output
from litecost.pricing.book import load_book
from litecost.errors import ExitCode, UsageError
from litecost.redact import redact

HELP = """Spend by one or more dimensions over a period: requests, failures, tokens per
category, logged cost (LiteLLM's) and re-priced cost (the price book's), and share.

Dimensions: tag, tag:NAME (for NAME:value tags, e.g. tag:team), key, team, org, user,
end_user, model, model_group, provider, status, day, week, month.

Tags overlap: by default a call counts fully under each of its tags and the totals
row is the de-duplicated total; --tag-split even divides each call's cost and tokens
exactly among its tags so rows add up.

--basis invoice (chargeback): the imported bills' money allocated to the calls in each
provider × model × token category × UTC day cell, by re-priced cost (or --allocate
tokens); rows gain invoice_cost and add up to the bills to the last digit. Money no
call carries (non-token charges, credits, lines with no logged usage) stays on
explicit rows, or --spread proportional divides it among the rows."""

_BAR_WIDTH = 24


def _chart_width() -> int:
    """The terminal's width (100 when not a terminal), within 40–160 columns."""
    import shutil

    return max(40, min(160, shutil.get_terminal_size((100, 24)).columns))


def _bar(value: Decimal | None, largest: Decimal) -> str:
    if not value or not largest or value <= 0:
        return ""
    return "█" * max(1, round(_BAR_WIDTH * float(value / largest)))


def report_command(
    ctx: typer.Context,
    by: str = typer.Option(..., "--by", help="Dimension(s), comma-separated, e.g. tag or team,model.", metavar="DIM[,DIM…]"),
    period: Optional[str] = options.PERIOD,
    since: Optional[str] = options.SINCE,
    until: Optional[str] = options.UNTIL,
    tz: str = options.TZ,
    where: Optional[List[str]] = typer.Option(None, "--where", help="Filter DIM=VALUE (repeatable), e.g. tag=env:prod.", metavar="DIM=VALUE"),
    tag_split: str = typer.Option("full", "--tag-split", help="full (each tag gets the whole call) or even (split exactly)."),
    top: Optional[int] = typer.Option(None, "--top", help="Keep the N largest rows and fold the rest into (other).", min=1),
    compare: Optional[str] = typer.Option(None, "--compare", help="previous: add the previous equal-length period and the change."),
    include_user_agent_tags: bool = typer.Option(False, "--include-user-agent-tags", help="Count LiteLLM's automatic 'User-Agent: …' tags too."),
    basis: str = typer.Option("repriced", "--basis", help="repriced (the price book's) or invoice (the imported bills' money allocated to the calls)."),
    invoice: Optional[List[int]] = typer.Option(None, "--invoice", help="Basis invoice: allocate this imported bill (repeatable; default: every current bill of the period).", metavar="ID"),
    allocate: str = typer.Option("cost", "--allocate", help="Basis invoice: divide each bill cell by the calls' re-priced cost or by their tokens."),
    spread: str = typer.Option("none", "--spread", help="Basis invoice: none (explicit rows for what no call carries) or proportional."),
    rate: Optional[List[str]] = options.RATE,
    chart: bool = typer.Option(False, "--chart", help="Also draw spend per day (re-priced, or invoice basis) under the table (table format)."),
    pricing: Optional[List[str]] = options.PRICING,
    fmt: Optional[OutputFormat] = options.FORMAT,
    output: Optional[Path] = options.OUTPUT,
    no_csv_guard: bool = typer.Option(False, "--no-csv-guard", help="Do not neutralise spreadsheet formulas (=,+,-,@) in CSV text cells."),
    wait: float = options.WAIT,
    fail_empty: bool = typer.Option(False, "--fail-empty", help="Exit 1 when no calls match the period and filters (for cron)."),
    no_totals: bool = typer.Option(False, "--no-totals", help="Leave out the (total) row (table, csv, jsonl, markdown)."),
) -> None:
    from litecost.chargeback import chargeback, chargeback_spec, daily_invoice_series
    from litecost.report import daily_series, report_spec, spend_report
    from litecost.store import Store

    spec = report_spec(by, period=period, since=since, until=until, tz=tz, where=where or [], tag_split=tag_split,
                       top=top, compare=compare, include_user_agent_tags=include_user_agent_tags)
    if basis not in ("repriced", "invoice"):
        raise UsageError(f"--basis {basis!r} is not repriced or invoice")
    invoice_basis = None
    if basis == "invoice":
        invoice_basis = chargeback_spec(spec, invoices=invoice or [], allocate=allocate, spread=spread, rates=rate_options(rate))
    elif invoice or rate or allocate != "cost" or spread != "none":
        raise UsageError("--invoice, --allocate, --spread and --rate apply to --basis invoice")
    fmt = choose_format(fmt, output)

    book = load_book(pricing)
    with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
        report = chargeback(store, invoice_basis, book) if invoice_basis else spend_report(store.con, spec, book)
        spec = report.spec
        series = None
        if chart and fmt is OutputFormat.table:
            series = daily_invoice_series(store, invoice_basis, book) if invoice_basis else daily_series(store.con, spec, book)

    _render(report, fmt, output, csv_guard=not no_csv_guard, series=series, totals=not no_totals)
    if not report.totals["requests"]:
        # A cron job must not hand finance a $0 file without a word.
        scope = spec.period.label if spec.period else "the database"
        if spec.filters:
            scope += " where " + " and ".join(f"{d}={v}" for d, v in spec.filters)
        warn(f"no calls match {scope}: the report is empty (check the period and filters, and that the logs were ingested)")
        if fail_empty:
            raise typer.Exit(int(ExitCode.THRESHOLD_BREACHED))


def _columns(report, fmt: OutputFormat):  # noqa: ANN001, ANN202
    from litecost.cli.render import Column
    from litecost.report import TOKEN_METRICS

    dims = [Column(d) for d in report.spec.dimensions]
    invoice = [Column("invoice_cost", "invoice $" if fmt is OutputFormat.table else "invoice_cost", "money")] \
        if report.spec.basis == "invoice" else []
    comparison = [Column("previous_repriced_cost", "previous", "money"), Column("change", kind="money"),
                  Column("change_pct", "change %", "pct")] if report.previous else []
    if fmt is OutputFormat.table:
        # On a narrow terminal the bar goes first, then token columns, then the rest. The
        # dimensions and the re-priced cost always stay, share and requests unless the
        # dimension values need their room.
        comparison = [Column(c.key, c.header, c.kind, give_way=30 if c.key == "previous_repriced_cost" else 20)
                      for c in comparison]
        return dims + [
            Column("requests", kind="int", give_way=2), Column("failed_requests", "failed", "int", give_way=40),
            Column("input_tokens", "input", "int", give_way=50),
            Column("cache_read_tokens", "cache read", "int", give_way=70),
            Column("cache_write_tokens", "cache write", "int", give_way=80),
            Column("output_tokens", "output", "int", give_way=60),
            Column("logged_cost", "logged $", "money", give_way=10),
            Column("repriced_cost", "re-priced $", "money", give_way=5 if invoice else 0), *invoice,
            Column("share_pct", "share", "pct", give_way=3), *comparison, Column("bar", "", give_way=90),
        ]
    return dims + [
        Column("requests", kind="int"), Column("failed_requests", kind="int"), Column("unpriced_requests", kind="int"),
        *(Column(m, kind="int") for m in TOKEN_METRICS),
        Column("logged_cost", kind="money"), Column("repriced_cost", kind="money"), *invoice, Column("share_pct", kind="pct"),
        *comparison,
    ]


def _render(report, fmt: OutputFormat, output: Path | None, *, csv_guard: bool, series, totals: bool) -> None:  # noqa: ANN001
    from litecost.cli.render import render_rows, to_json_document

    spec = report.spec
    columns = _columns(report, fmt)
    label = spec.period.label if spec.period else "all time"
    window = f"{spec.period.start.isoformat()} to {spec.period.end.isoformat()}" if spec.period else "all calls"
    title = f"Spend by {', '.join(spec.dimensions)} · {label} ({window}) · tz {spec.tz}"
    if spec.filters:
        title += " · where " + ", ".join(f"{d}={redact(v)}" for d, v in spec.filters)
    if spec.tag_split == "even" and any(d.startswith("tag") for d in spec.dimensions):
        title += " · tags split evenly"
    if spec.basis == "invoice":
        title += f" · invoice basis: {len(report.invoices)} bill(s), by {report.allocation['allocate']}"
    if fmt is OutputFormat.json:
        write_output(to_json_document(report.to_document()), output)
        return
    rows = [*report.rows, report.totals] if totals else list(report.rows)
    if fmt is OutputFormat.table:
        basis = "invoice_cost" if spec.basis == "invoice" else "repriced_cost"
        largest = max((r[basis] for r in report.rows if r[basis]), default=Decimal(0))
        for row in rows:
            row["cache_write_tokens"] = row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"]
            row["bar"] = _bar(row[basis], largest) if row is not report.totals else ""
    write_output(render_rows(fmt.value, rows, columns, title=title, csv_guard=csv_guard), output)
    if fmt is OutputFormat.table:
        for text in report.notes:
            write_output(f"note: {text}\n")
        if series:
            write_output(_chart(series, spec.basis, _chart_width()))
    else:
        for text in report.notes:
            note(text)


def _chart(series, basis: str, width: int) -> str:  # noqa: ANN001
    """Spend per day as a bar chart (plotext), `width` columns wide: text, no colours."""
    import math

    import plotext

    key = "invoice_cost" if basis == "invoice" else "repriced_cost"
    days = [str(r["day"]) for r in series]
    values = [float(r[key] or 0) for r in series]
    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, 16)
    figure.theme("colorless")
    positions = list(range(1, len(days) + 1))
    figure.draw(figure.bar(positions, values, width=0.6, marker="hd"))
    # A label per ~12 columns, so dates never run into each other.
    step = max(1, math.ceil(len(days) / max(1, width // 12)))
    figure.ruler("x").ticks(positions[::step], [d[5:] if len(days) > 1 else d for d in days[::step]])
    what = "invoice-basis" if basis == "invoice" else "re-priced"
    figure.title(f"{what} spend per day, USD")
    return "\n" + figure.build().string(colorless=True).rstrip() + "\n"

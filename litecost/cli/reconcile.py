"""`litecost reconcile`: the discrepancy report for monthly close."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import OutputFormat, choose_format, db_path, note, rate_options, warn, write_output
from litecost.pricing.book import load_book

HELP = """Compare provider invoices with the logged calls over the same UTC-aligned window,
per model and token category, and explain every gap.

INVOICE is a billing export (imported on the fly, idempotently; see `litecost invoices
import` for the layouts) or the id of an imported invoice file. The window is the
invoices' own period unless --period says otherwise; logs are selected by call start
time in that window and scoped to the invoices' providers. Each row is classified:
matched, missing_logs, extra_logs, price_mismatch, category_shift, time_shift,
unmatched_invoice_line, unmatched_log_model or non_token_charge.

Exit code 1 when the discrepancy — the sum of |delta| over every row not matched — is
over --fail-over PCT of the invoice total or --fail-over-amount USD; --fail-on
unexplained (or a list of classes) weighs only those rows. stderr names the threshold
and the rows; the report is printed in full either way."""


def reconcile_command(
    ctx: typer.Context,
    invoices: List[str] = typer.Argument(..., help="Billing export files, or imported invoice file ids.", metavar="INVOICE..."),
    provider: str = typer.Option("auto", "--provider", help="Layout of the files: auto, openai, anthropic, azure, bedrock, gcp, focus, generic."),
    mapping: Optional[Path] = options.MAPPING,
    aliases: Optional[Path] = typer.Option(None, "--aliases", help="YAML {invoice model name or glob: logged model}.", metavar="FILE"),
    period: Optional[str] = typer.Option(None, "--period", help="Reconcile this period instead of the invoices' own."),
    tz: str = typer.Option("UTC", "--tz", help="Calendar for --period and day rows.", metavar="ZONE"),
    grain: str = typer.Option("period", "--grain", help="period (one row per model and category) or day."),
    tolerance: str = typer.Option("1", "--tolerance", help="Relative difference (%) still counted as agreement.", metavar="PCT"),
    fail_over: Optional[str] = typer.Option(None, "--fail-over", help="Exit 1 if the discrepancy exceeds PCT of the invoice total.", metavar="PCT"),
    fail_over_amount: Optional[str] = typer.Option(None, "--fail-over-amount", help="Exit 1 if the discrepancy exceeds USD.", metavar="USD"),
    fail_on: Optional[List[str]] = typer.Option(None, "--fail-on", help="Rows the thresholds weigh: all (default), unexplained, or classes, e.g. missing_logs,price_mismatch (repeatable).", metavar="CLASSES"),
    rate: Optional[List[str]] = options.RATE,
    pricing: Optional[List[str]] = options.PRICING,
    fmt: Optional[OutputFormat] = options.FORMAT,
    output: Optional[Path] = options.OUTPUT,
    wait: float = options.WAIT,
) -> None:
    import sys

    from litecost.errors import ExitCode, UsageError
    from litecost.reconcile import bill_inputs, reconcile_invoices, reconcile_spec
    from litecost.reconcile.run import bounded_decimal
    from litecost.reconcile.threshold import Threshold, check_threshold, parse_fail_on
    from litecost.store import Store

    spec = reconcile_spec(period=period, tz=tz, grain=grain, tolerance_pct=tolerance, rates=rate_options(rate))
    fail_pct = bounded_decimal(fail_over, "--fail-over")
    fail_amount = bounded_decimal(fail_over_amount, "--fail-over-amount")
    if fail_on and fail_pct is None and fail_amount is None:
        raise UsageError("--fail-on names the rows a threshold weighs, but no threshold was given",
                         hint="add --fail-over PCT or --fail-over-amount USD (0 fails on any such row)")
    threshold = Threshold(fail_pct, fail_amount, parse_fail_on(fail_on))
    fmt = choose_format(fmt, output)

    # An id is ASCII digits: `²` is a digit to str.isdigit but no number to int().
    inputs = bill_inputs([int(v) if v.isascii() and v.isdigit() else v for v in invoices],
                         provider=provider, mapping=mapping, aliases=aliases)
    book = load_book(pricing)
    with Store.open(db_path(ctx), wait_seconds=wait) as store:
        result = reconcile_invoices(store, inputs, spec, book, on_file=_detected)
    for f in (result.imports.files if result.imports else []):
        if f.status != "imported":
            note(f"{f.path}: already imported as invoice file #{f.invoice_file_id}")
        if f.superseded_by:
            warn(f"{f.path}: superseded by invoice file #{f.superseded_by}, a newer export of the same period; "
                 "reconciling the file you named anyway")

    _render(result, fmt, output)
    check = check_threshold(result.rows, result.summary["invoice_total"], threshold)
    if check.breached:
        sys.stderr.write(_breach_text(check))
        raise typer.Exit(int(ExitCode.THRESHOLD_BREACHED))


def _detected(_index: int, src) -> None:  # noqa: ANN001
    note(f"{src.path}: {src.description} (layout {src.layout.name})")




def _row_place(row: dict) -> str:
    """A row named by its keys, e.g. `openai · gpt-4o-mini · input`."""
    return " · ".join(str(row[k]) for k in ("provider", "model", "category", "day") if row.get(k))


# Enough rows for a cron mail to say where to look; the report has them all.
_BREACH_ROWS_SHOWN = 10


def _breach_text(check) -> str:  # noqa: ANN001
    lines = [f"litecost: threshold breached: {message}" for message in check.breaches]
    for row in check.rows[:_BREACH_ROWS_SHOWN]:
        lines.append(f"litecost:   {_row_place(row)}: {row['status']} {row['delta_amount']:+,.2f} USD")
    if len(check.rows) > _BREACH_ROWS_SHOWN:
        lines.append(f"litecost:   … and {len(check.rows) - _BREACH_ROWS_SHOWN} more rows (see the report)")
    return "".join(f"{line}\n" for line in lines)


# How each row field is shown (the rest is text).
_KINDS = {"invoice_quantity": "int", "log_quantity": "int", "invoice_amount": "money", "logged_cost": "money",
          "repriced_cost": "money", "delta_amount": "money", "delta_pct": "pct"}


def _render(result, fmt: OutputFormat, output: Path | None) -> None:  # noqa: ANN001
    from litecost.cli.render import Bullets, Column, render_rows, to_json_document

    columns = [Column(k, None, _KINDS.get(k, "text")) for k in result.row_fields()]
    start, end = result.window
    period = result.period()
    summary = {**result.summary, "time_shifts": result.time_shifts()}
    if fmt is OutputFormat.json:
        write_output(to_json_document(result.to_document()), output)
        return
    if fmt in (OutputFormat.csv, OutputFormat.jsonl):
        write_output(render_rows(fmt.value, result.rows, columns), output)
        return
    title = (f"Reconciliation · {', '.join(result.providers)} · {start.isoformat()} to {end.isoformat()}"
             f" ({period['label']}, tz {result.spec.tz}, grain {result.spec.grain}, tolerance {result.spec.tolerance_pct}%)")
    summary_rows = _summary_rows(summary)
    cause_rows = [{"status": c["status"], "rows": c["rows"], "delta_amount": c["delta_amount"]} for c in summary["causes"]]
    parts = [
        render_rows(fmt.value, summary_rows, [Column("item"), Column("usd", "USD", "money")], title=title),
        render_rows(fmt.value, cause_rows, [Column("status", "cause"), Column("rows", kind="int"),
                                            Column("delta_amount", "USD (invoice − re-priced logs)", "money")],
                    title="Largest causes, by dollars"),
    ]
    if summary["time_shifts"]:
        shift_rows = summary["time_shifts"]
        parts.append(render_rows(fmt.value, shift_rows, [Column("provider"), Column("model"), Column("offset_hours", "log time shift (h)")],
                                 title="Daily quantities agree once log times are shifted"))
    detail_title = "Detail (delta = invoice − re-priced logs; delta % of the invoice amount)"
    if fmt is OutputFormat.markdown:
        parts.append(render_rows(fmt.value, result.rows, columns, title=detail_title))
        write_output("\n".join(parts), output)
        return
    # A terminal: the keys and the status always show in full; quantities and the other
    # amounts give way on a narrow one. Explanations are sentences: each goes on its own
    # lines under the table, named by its row (a matched row needs none).
    terminal = {"invoice_quantity": ("invoice qty", 4), "log_quantity": ("logged qty", 4),
                "invoice_amount": ("invoice $", 1), "repriced_cost": ("re-priced $", 3),
                "delta_amount": ("delta $", 0), "delta_pct": ("delta %", 2)}
    detail = [Column(c.key, header, c.kind, give_way=give_way)
              for c in columns if c.key not in ("invoice_model", "log_model", "logged_cost", "explanation", "evidence")
              for header, give_way in [terminal.get(c.key, (c.header, 0))]]
    parts.append(render_rows(fmt.value, result.rows, detail, title=detail_title))
    # A matched row needs no explanation, unless LiteLLM's own spend is off there.
    explained = [r for r in result.rows if (r["status"] != "matched" or r.get("litellm_bugs")) and r.get("explanation")]
    if explained:
        parts.append(Bullets("Explanations", [
            f"{_row_place(r)}: {r['status']} (by {r['evidence'].replace('_', ' ')}): {r['explanation']}"
            for r in explained]))
    for part in parts:
        write_output(part)


def _summary_rows(summary: dict) -> list[dict]:
    rows = [
        {"item": "invoice total", "usd": summary["invoice_total"]},
        {"item": "logged cost (LiteLLM)", "usd": summary["logged_total"]},
        {"item": "re-priced log cost", "usd": summary["repriced_total"]},
        {"item": "gap (invoice − re-priced)", "usd": summary["gap"]},
        {"item": "explained gap", "usd": summary["explained_gap"]},
        {"item": "unexplained gap", "usd": summary["unexplained_gap"]},
        {"item": "discrepancy (sum of |delta| of rows not matched)", "usd": summary["discrepancy"]},
    ]
    if summary["coverage_pct"] is not None:
        rows.append({"item": f"coverage: {summary['coverage_pct']}% of billed token charges matched to logs", "usd": None})
    for bug in summary["litellm_bugs"]:
        rows.append({"item": f"LiteLLM bug {bug['reason_code']} (LiteLLM #{bug['litellm_issue']}), {bug['calls']:,} call(s)",
                     "usd": bug["amount"]})
    if summary["unpriced_calls"]:
        rows.append({"item": f"{summary['unpriced_calls']} logged calls have no price (see litecost pricing check)", "usd": None})
    return rows

"""`litecost close`: the monthly close package, and its verification."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from litecost.cli import options
from litecost.cli.common import db_path, note, rate_options, warn
from litecost.errors import ExitCode, UsageError
from litecost.pricing.book import load_book

HELP = """Write the month's close package into one folder a controller can archive:
report.md (headline figures, chargeback by team and by tag on the invoice basis, the
largest discrepancies, unpriced models, the inputs), a CSV per table, and manifest.json
(the inputs' digests, the price book, litecost's version and the sha256 of every file).

The bills are imported first (idempotently), as reconcile does. The same inputs give
byte-identical files; an earlier close in the folder is replaced whole, any other
folder refused.

--verify FOLDER checks every file against the manifest: exit 0 when none changed,
1 when any file is changed, missing or added. --recompute also computes the close
again from the database (--db) and the price book, and names every file that comes
out different and every input that changed since (a bill, a price book layer, the
ingests behind the period's calls)."""


def close_command(
    ctx: typer.Context,
    bills: Optional[List[str]] = typer.Argument(None, help="Billing export files, or imported invoice file ids.", metavar="BILL..."),
    period: Optional[str] = typer.Option(None, "--period", help="The month (or any period) to close, e.g. 2026-10 or last-month."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="The folder to write (replaced only if it holds an earlier close).", metavar="FOLDER"),
    verify: Optional[Path] = typer.Option(None, "--verify", help="Check FOLDER's files against its manifest instead.", metavar="FOLDER"),
    recompute: bool = typer.Option(False, "--recompute", help="With --verify: also compute the close again from --db and the price book, and name what differs."),
    tag: str = typer.Option("tag", "--tag", help="The tag dimension of the tag chargeback: tag, or tag:NAME.", metavar="DIM"),
    allocate: str = typer.Option("cost", "--allocate", help="Divide each bill cell by the calls' re-priced cost or by their tokens."),
    spread: str = typer.Option("none", "--spread", help="none (explicit rows for what no call carries) or proportional."),
    provider: str = typer.Option("auto", "--provider", help="Layout of the bill files: auto, openai, anthropic, azure, bedrock, gcp, focus, generic."),
    mapping: Optional[Path] = options.MAPPING,
    aliases: Optional[Path] = typer.Option(None, "--aliases", help="YAML {invoice model name or glob: logged model}.", metavar="FILE"),
    rate: Optional[List[str]] = options.RATE,
    pricing: Optional[List[str]] = options.PRICING,
    wait: float = options.WAIT,
) -> None:
    from litecost.close import close_spec, close_month, verify_close

    if verify is not None:
        if bills or period or output:
            raise UsageError("--verify takes only the folder to check")
        if recompute:
            from litecost.store import Store

            with Store.open(db_path(ctx), read_only=True, wait_seconds=wait) as store:
                result = verify_close(verify, store=store, book=load_book(pricing))
        else:
            result = verify_close(verify)
        for problem in result.problems:
            warn(f"{verify}: {problem}")
        if not result.ok:
            raise typer.Exit(int(ExitCode.THRESHOLD_BREACHED))
        note(f"{verify}: all {result.checked} files match the manifest"
             + ("; computed again from the database, every file is the same" if recompute else ""))
        return
    if recompute:
        raise UsageError("--recompute goes with --verify FOLDER")
    if not bills or not period or output is None:
        raise UsageError("close needs the bills, --period and -o FOLDER", hint="e.g. litecost close --period 2026-10 bills/*.csv -o close-2026-10/")

    from litecost.reconcile import bill_inputs
    from litecost.store import Store

    spec = close_spec(period, tag_dimension=tag, allocate=allocate, spread=spread, rates=rate_options(rate))
    inputs = bill_inputs([int(v) if v.isascii() and v.isdigit() else v for v in bills],
                         provider=provider, mapping=mapping, aliases=aliases)
    book = load_book(pricing)
    for src in inputs.sources:
        note(f"{src.path}: {src.description} (layout {src.layout.name})")
    with Store.open(db_path(ctx), wait_seconds=wait) as store:
        package = close_month(store, spec, inputs, book, output)
    h = package.headline
    note(f"{output}: {len(package.outputs)} files (manifest sha256 {package.outputs['manifest.json']})")
    note(f"bills {h['bills']:,.2f} USD · logged {h['logged']:,.2f} · re-priced {h['repriced']:,.2f}"
         f" · unexplained gap {h['unexplained_gap']:,.2f}")

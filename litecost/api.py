"""The Python API: what the CLI does, for a notebook or a script.

    import litecost

    with litecost.open("litecost.duckdb") as lc:
        lc.ingest("spendlogs_2026-10.csv")
        by_team = lc.report(by="team", period="2026-10")
        by_team.to_polars()      # a polars DataFrame, money as Decimal(38, 18)
        by_team.to_document()    # the JSON document `litecost report --format json` prints

Arguments mean what the CLI's options mean and are checked the same way; errors are the
same `litecost.errors` exceptions (each with a one-line message and a hint).
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from litecost.pricing.book import PriceBook, load_book
from litecost.reconcile import Reconciliation
from litecost.report import Report
from litecost.sources.ingest import IngestResult
from litecost.store import Store, resolve_db_path

PathLike = str | os.PathLike[str]


def open(  # noqa: A001 - litecost.open(db), like sqlite3.connect or duckdb.connect
    db: PathLike | None = None, *, pricing: Iterable[PathLike] | None = None, wait_seconds: float = 0.0,
) -> Litecost:
    """The litecost database at `db` (else LITECOST_DB, else ./litecost.duckdb), created
    and migrated if needed, priced with the snapshot under `pricing` files (else those
    LITECOST_PRICING names)."""
    return Litecost(resolve_db_path(db), load_book(pricing), wait_seconds)


class Litecost:
    """An open litecost database and the price book it is priced with. Each call opens
    the store for as long as it needs, so other litecost processes can run between calls."""

    def __init__(self, db: Path, book: PriceBook, wait_seconds: float = 0.0) -> None:
        self.db, self.book, self.wait_seconds = db, book, wait_seconds
        Store.open(db, wait_seconds=wait_seconds).close()  # create or migrate it now, not mid-notebook

    def __enter__(self) -> Litecost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between calls; kept so `with litecost.open(…)` reads as it should."""

    def ingest(self, *paths: PathLike, kind: str = "auto", source_tz: str = "UTC", strict: bool = False,
               keep_payloads: bool = False) -> IngestResult:
        """Ingest LiteLLM logs (files, directories or globs) in one transaction, as `litecost ingest`."""
        from litecost.periods import zone_info
        from litecost.sources.ingest import detect_files, ingest

        zone_info(source_tz)
        sources = detect_files([str(p) for p in paths], kind)
        with Store.open(self.db, wait_seconds=self.wait_seconds) as store:
            return ingest(store, sources, source_tz=source_tz, strict=strict, keep_payloads=keep_payloads)

    def report(self, by: str | builtins.list[str], *, period: str | None = None, since: str | None = None,
               until: str | None = None, tz: str = "UTC", where: dict[str, str] | None = None,
               tag_split: str = "full", top: int | None = None, compare: str | None = None,
               include_user_agent_tags: bool = False) -> Report:
        """Spend by `by` (e.g. "team" or ["team", "model"]), as `litecost report`."""
        from litecost.report import compare as add_comparison, previous_report, report_spec, spend_report

        spec = report_spec(by, period=period, since=since, until=until, tz=tz,
                           where=[f"{k}={v}" for k, v in (where or {}).items()], tag_split=tag_split, top=top,
                           compare=compare, include_user_agent_tags=include_user_agent_tags)
        with Store.open(self.db, read_only=True, wait_seconds=self.wait_seconds) as store:
            report = spend_report(store.con, spec, self.book)
            if compare:
                add_comparison(report, previous_report(store.con, spec, self.book))
        return report

    def reconcile(self, *invoices: int | PathLike, period: str | None = None, tz: str = "UTC", grain: str = "period",
                  tolerance_pct: Decimal | str = "1", rates: dict[str, Decimal | str] | None = None,
                  provider: str = "auto", mapping: PathLike | None = None, aliases: PathLike | None = None,
                  ) -> Reconciliation:
        """The logged calls against provider bills, as `litecost reconcile`: `invoices` are
        stored invoice file ids or bill files (imported first, idempotently); `rates` gives USD
        per unit of another invoice currency, e.g. {"EUR": "1.08"}."""
        from litecost.errors import UsageError
        from litecost.invoices.detect import detect_files
        from litecost.invoices.mapping import load_mapping
        from litecost.invoices.importer import import_invoices
        from litecost.invoices.models import ModelAliases
        from litecost.periods import parse_period, zone_info
        from litecost.reconcile import ReconcileSpec, reconcile_files

        zone_info(tz)
        if grain not in ("period", "day"):
            raise UsageError(f"grain {grain!r} is not period or day")
        tolerance = _decimal(tolerance_pct, "tolerance_pct")
        usd_rates = tuple((c.upper(), _decimal(v, f"rates[{c!r}]", positive=True)) for c, v in (rates or {}).items())
        window = parse_period(period, tz, now=datetime.now(timezone.utc)) if period else None
        ids = [int(i) for i in invoices if isinstance(i, int)]
        files = [str(i) for i in invoices if not isinstance(i, int)]
        user_aliases = ModelAliases.load(aliases) if aliases is not None else None
        with Store.open(self.db, wait_seconds=self.wait_seconds) as store:
            if files:
                sources = detect_files(files, provider, load_mapping(mapping) if mapping else None)
                ids += [f.invoice_file_id for f in import_invoices(store, sources, aliases=aliases).files]
            spec = ReconcileSpec(tuple(dict.fromkeys(ids)), window, tz, grain, tolerance, usd_rates=usd_rates)
            return reconcile_files(store, spec, self.book, user_aliases)

    def priced_calls(self, *, period: str | None = None, since: str | None = None, until: str | None = None,
                     tz: str = "UTC") -> Any:
        """Every stored call in the period with its re-priced cost per category and in all
        (`cost_*`, `repriced_cost`; NULL where the book has no price), as a polars DataFrame."""
        import polars as pl

        from litecost.periods import resolve_period, zone_info
        from litecost.pricing.repricing import install_priced_calls
        from litecost.sql import Statement

        zone_info(tz)
        window = resolve_period(period, since, until, tz, now=datetime.now(timezone.utc))
        with Store.open(self.db, read_only=True, wait_seconds=self.wait_seconds) as store:
            install_priced_calls(store.con, self.book)
            sql = "SELECT * FROM priced_calls"
            params: dict[str, Any] = {}
            if window is not None:
                sql += " WHERE start_time >= $start AND start_time < $end"
                params = {"start": window.start, "end": window.end}
            cursor = Statement(sql + " ORDER BY start_time, request_id", params).execute(store.con)
            names = [d[0] for d in cursor.description]
            # Through Python values, not Arrow: pyarrow is not a dependency.
            return pl.DataFrame(cursor.fetchall(), schema=names, orient="row", infer_schema_length=None)


def _decimal(value: Decimal | str | int, what: str, *, positive: bool = False) -> Decimal:
    from litecost.errors import UsageError

    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise UsageError(f"{what} {value!r} is not a number") from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise UsageError(f"{what} {value!r} is not a {'positive' if positive else 'non-negative'} number")
    return number

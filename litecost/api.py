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
from datetime import datetime, timedelta, timezone
from decimal import Decimal
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
               keep_payloads: bool = False, reread: bool = False, since: datetime | None = None,
               until: datetime | None = None, overlap: timedelta | None = None,
               table: str = "LiteLLM_SpendLogs") -> IngestResult:
        """Ingest LiteLLM logs (files, directories or globs, and live sources: `postgresql://`
        URLs of the proxy's database and `https://…/spend/logs/v2` URLs of its spend API, each
        read from where its last read stopped: `since`/`until` bound it, `overlap` is read
        again) in one transaction, as `litecost ingest`."""
        from litecost.periods import zone_info
        from litecost.sources import live, postgres
        from litecost.sources.ingest import detect_files, ingest

        zone_info(source_tz)
        texts = [str(p) for p in paths]
        named = [t for t in texts if not live.is_live(t)]
        sources = detect_files(named, kind) if named else []
        stopped = []
        for text in (t for t in texts if live.is_live(t)):
            read = live.read_live(self.db, text, since=since, until=until,
                                  overlap=postgres.DEFAULT_OVERLAP if overlap is None else overlap, table=table,
                                  keep_payloads=keep_payloads, source_tz=source_tz, wait_seconds=self.wait_seconds)
            sources.append(read.source)
            stopped += [read.stopped] if read.stopped is not None else []
        with Store.open(self.db, wait_seconds=self.wait_seconds) as store:
            result = ingest(store, sources, source_tz=source_tz, strict=strict, keep_payloads=keep_payloads, reread=reread)
        if stopped:  # what was read is stored; the rest is the next call's
            raise stopped[0]
        return result

    def report(self, by: str | builtins.list[str], *, period: str | None = None, since: str | None = None,
               until: str | None = None, tz: str = "UTC", where: dict[str, str] | None = None,
               tag_split: str = "full", top: int | None = None, compare: str | None = None,
               include_user_agent_tags: bool = False) -> Report:
        """Spend by `by` (e.g. "team" or ["team", "model"]), as `litecost report`."""
        from litecost.report import report_spec, spend_report

        spec = report_spec(by, period=period, since=since, until=until, tz=tz,
                           where=[f"{k}={v}" for k, v in (where or {}).items()], tag_split=tag_split, top=top,
                           compare=compare, include_user_agent_tags=include_user_agent_tags)
        with Store.open(self.db, read_only=True, wait_seconds=self.wait_seconds) as store:
            return spend_report(store.con, spec, self.book)

    def chargeback(self, by: str | builtins.list[str], *, period: str | None = None, since: str | None = None,
                   until: str | None = None, tz: str = "UTC", where: dict[str, str] | None = None,
                   tag_split: str = "full", top: int | None = None, invoices: builtins.list[int] | tuple[int, ...] = (),
                   allocate: str = "cost", spread: str = "none", rates: dict[str, Decimal | str] | None = None,
                   include_user_agent_tags: bool = False):  # noqa: ANN201 - a polars.DataFrame
        """The imported bills' money allocated to the calls by `by`, as `litecost report
        --basis invoice`: a polars DataFrame whose `invoice_cost` (Decimal(38, 18)) adds up to
        the bills, beside `logged_cost` and `repriced_cost`; `invoices` are stored invoice file
        ids (default: every current bill of the period)."""
        from litecost.chargeback import chargeback, chargeback_spec
        from litecost.report import report_spec

        spec = report_spec(by, period=period, since=since, until=until, tz=tz,
                           where=[f"{k}={v}" for k, v in (where or {}).items()], tag_split=tag_split, top=top,
                           include_user_agent_tags=include_user_agent_tags)
        basis = chargeback_spec(spec, invoices=invoices, allocate=allocate, spread=spread, rates=rates)
        with Store.open(self.db, read_only=True, wait_seconds=self.wait_seconds) as store:
            return chargeback(store, basis, self.book).to_polars()

    def reconcile(self, *invoices: int | PathLike, period: str | None = None, tz: str = "UTC", grain: str = "period",
                  tolerance_pct: Decimal | str = "1", rates: dict[str, Decimal | str] | None = None,
                  provider: str = "auto", mapping: PathLike | None = None, aliases: PathLike | None = None,
                  ) -> Reconciliation:
        """The logged calls against provider bills, as `litecost reconcile`: `invoices` are
        stored invoice file ids or bill files (imported first, idempotently); `rates` gives USD
        per unit of another invoice currency, e.g. {"EUR": "1.08"}."""
        from litecost.reconcile import bill_inputs, reconcile_invoices, reconcile_spec

        spec = reconcile_spec(period=period, tz=tz, grain=grain, tolerance_pct=tolerance_pct, rates=rates)
        inputs = bill_inputs(invoices, provider=provider, mapping=mapping, aliases=aliases)
        with Store.open(self.db, wait_seconds=self.wait_seconds) as store:
            return reconcile_invoices(store, inputs, spec, self.book)

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

#!/usr/bin/env python3
"""Where does a litecost command spend its time? Per-SQL-statement timings, in-process.

    python bench/profile.py ingest FILE [--db DB]                 # ingest into a fresh DB
    python bench/profile.py report DB --by tag [--tag-split even] [--period 2026-10]
    python bench/profile.py cli -- --db DB reconcile 1 2 --period 2026-10 --format csv   # any command
    python bench/profile.py ... --explain DIR                     # + DuckDB's profile of every statement

`ingest` and `report` call the same library functions as the CLI command (and time the
phases around the SQL); `cli` runs any litecost command line in-process (its output goes
to /dev/null). In all modes the DuckDB connection is wrapped so that every `execute` is
timed (wall clock, with its result fetched), with the process's user and system CPU seconds
and minor page faults meanwhile (system time spent faulting in fresh memory is a cost the
wall clock alone hides). The statements are printed slowest first, with the share of
the total; `--explain DIR` also writes DuckDB's own operator-level profile
(`enable_profiling`) of each statement to DIR/NNN.txt. Non-SQL phases (file detection and sha256, price-book loading,
rendering) are timed as phases. Use it to see which statement to look at, then run
that statement under `EXPLAIN ANALYZE` by hand.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from pathlib import Path
from typing import NamedTuple


class Timed(NamedTuple):
    """One statement: its wall time, and the process's user and system CPU seconds and
    minor page faults meanwhile (other threads, such as the digest's, included)."""

    seconds: float
    user: float
    system: float
    faults: int
    sql: str


class TimedConnection:
    """A DuckDB connection whose execute() calls are timed."""

    def __init__(self, con, explain_dir: Path | None) -> None:  # noqa: ANN001
        self._con = con
        self.log: list[Timed] = []
        self.explain_dir = explain_dir
        if explain_dir:
            explain_dir.mkdir(parents=True, exist_ok=True)
            con.execute("SET enable_profiling = 'query_tree'")

    def execute(self, sql: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        index = len(self.log) + 1
        if self.explain_dir is not None:
            # Nothing may run after the statement: its result is fetched from the connection.
            self._con.execute(f"SET profiling_output = '{self.explain_dir / f'{index:03d}.txt'}'")
        began, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        result = self._con.execute(sql, *args, **kwargs)
        after = resource.getrusage(resource.RUSAGE_SELF)
        self.log.append(Timed(time.perf_counter() - began, after.ru_utime - usage.ru_utime,
                              after.ru_stime - usage.ru_stime, after.ru_minflt - usage.ru_minflt, sql))
        return result

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._con, name)


def _one_line(sql: str, width: int = 150) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def report_timings(phases: list[tuple[str, float]], con: TimedConnection) -> None:
    total = sum(t for _, t in phases)
    print(f"\nphases (total {total:.2f}s):")
    for name, seconds in phases:
        print(f"  {seconds:8.3f}s {100 * seconds / total:5.1f}%  {name}")
    sql_total = sum(t.seconds for t in con.log)
    print(f"\nSQL statements: {len(con.log)}, {sql_total:.2f}s in all; slowest first:")
    ranked = sorted(enumerate(con.log, start=1), key=lambda item: -item[1].seconds)
    print("  (wall, share, user and system CPU, minor page faults)")
    for index, t in ranked[:25]:
        print(f"  #{index:03d} {t.seconds:8.3f}s {100 * t.seconds / total:5.1f}%  {t.user:6.2f}u {t.system:5.2f}s"
              f" {t.faults:>9,d}f  {_one_line(t.sql, 110)}")


def profile_ingest(args: argparse.Namespace) -> None:
    from litecost.sources.ingest import detect_files, ingest
    from litecost.store import Store

    db = Path(args.db or Path(args.path).with_suffix(".profile.duckdb"))
    for p in (db, db.with_name(db.name + ".wal")):
        p.unlink(missing_ok=True)
    phases = []
    t = time.perf_counter()
    sources = detect_files([args.path], "auto")
    phases.append(("detect_files (sniff + sha256 of the whole file)", time.perf_counter() - t))
    t = time.perf_counter()
    store = Store.open(db)
    phases.append(("Store.open (+ migrations)", time.perf_counter() - t))
    con = TimedConnection(store.con, args.explain)
    store.con = con
    t = time.perf_counter()
    result = ingest(store, sources)
    phases.append(("ingest() SQL", time.perf_counter() - t))
    t = time.perf_counter()
    store.close()
    phases.append(("close (checkpoint)", time.perf_counter() - t))
    print(result.to_dict())
    report_timings(phases, con)
    if not args.keep:
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)


def profile_report(args: argparse.Namespace) -> None:
    from datetime import datetime, timezone

    from litecost.pricing.book import load_book
    from litecost.periods import resolve_period
    from litecost.report import ReportSpec, parse_dimensions, parse_filters, spend_report
    from litecost.store import Store

    phases = []
    t = time.perf_counter()
    book = load_book(None)
    phases.append(("load price book", time.perf_counter() - t))
    t = time.perf_counter()
    store = Store.open(args.db, read_only=True)
    phases.append(("Store.open read-only", time.perf_counter() - t))
    con = TimedConnection(store.con, args.explain)
    window = resolve_period(args.period, None, None, "UTC", now=datetime.now(timezone.utc))
    spec = ReportSpec(parse_dimensions(args.by), window, "UTC", parse_filters([]), args.tag_split, None, False)
    t = time.perf_counter()
    report = spend_report(con, spec, book)
    phases.append(("spend_report", time.perf_counter() - t))
    store.close()
    print(f"{len(report.rows)} rows")
    report_timings(phases, con)


def profile_cli(args: argparse.Namespace) -> None:
    import contextlib
    import os

    from litecost.store import Store

    original = Store.open.__func__
    connections: list[TimedConnection] = []

    def open_timed(cls, *a, **k):  # noqa: ANN001, ANN002, ANN003, ANN202
        store = original(cls, *a, **k)
        store.con = TimedConnection(store.con, args.explain)
        connections.append(store.con)
        return store

    Store.open = classmethod(open_timed)
    from litecost.cli.main import app

    argv = [a for a in args.argv if a != "--"]
    began = time.perf_counter()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        try:
            app(argv, standalone_mode=False)
        except SystemExit:
            pass
    total = time.perf_counter() - began
    merged = TimedConnection.__new__(TimedConnection)
    merged.log = [entry for c in connections for entry in c.log]
    sql = sum(t.seconds for t in merged.log)
    report_timings([("SQL", sql), ("everything else (Python: parsing, price book, matching, rendering)", total - sql)], merged)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    i = sub.add_parser("ingest")
    i.add_argument("path")
    i.add_argument("--db")
    i.add_argument("--keep", action="store_true", help="keep the database")
    r = sub.add_parser("report")
    r.add_argument("db")
    r.add_argument("--by", default="tag")
    r.add_argument("--period", default="2026-10")
    r.add_argument("--tag-split", default="full")
    c = sub.add_parser("cli")
    c.add_argument("argv", nargs=argparse.REMAINDER, help="a litecost command line (after --)")
    for s in (i, r, c):
        s.add_argument("--explain", type=Path, metavar="DIR", help="write DuckDB's profile of each statement here")
    args = p.parse_args(argv)
    {"ingest": profile_ingest, "report": profile_report, "cli": profile_cli}[args.what](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

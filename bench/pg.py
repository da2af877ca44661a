"""Ingest straight from the proxy's PostgreSQL against the manual route, as whole processes.

    python bench/pg.py --rows 1000000            # ~5 minutes and ~9 GB of disk at 1M rows
    python bench/pg.py --rows 20000 --runs 1     # a quick look

A database made with LiteLLM's own migrations (`litellm-proxy-extras`, from the test extras)
on the server of `LITECOST_TEST_PG`, else 127.0.0.1:5432, else one started for the run (see
tests/pg_server.py), is loaded with `generate.py csv --rows N` (the callback JSONL's calls in
the SpendLogs layout). Then, each into a new store, timed around the process:

- `litecost ingest postgresql://…` (the live source: COPY out, then the CSV reader);
- the manual route: `psql -c "\\copy \\"LiteLLM_SpendLogs\\" TO … CSV HEADER"`, then
  `litecost ingest FILE` (both times, and their sum);
- the rerun of the live source right after (reads only the overlap).

Prints one JSON document and a markdown table; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
from pg_server import Server  # noqa: E402


def timed(cmd: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:  # noqa: ANN003
    began = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done


def load(dsn: str, csv: Path) -> None:
    import psycopg

    header = csv.open().readline().strip().split(",")
    with psycopg.connect(dsn, autocommit=True) as conn:
        columns = ", ".join(f'"{c}"' for c in header)
        with conn.cursor().copy(f'COPY "LiteLLM_SpendLogs" ({columns}) FROM STDIN (FORMAT csv, HEADER)') as copy, \
                csv.open("rb") as fh:
            while block := fh.read(1 << 22):
                copy.write(block)
        conn.execute('ANALYZE "LiteLLM_SpendLogs"')


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    a = p.parse_args(argv)
    litecost = [sys.executable, "-m", "litecost"]
    server = Server()
    if server.admin_dsn is None or server.why_not:
        raise SystemExit(server.why_not or "no PostgreSQL")
    dsn = server.database()
    work = Path(tempfile.mkdtemp(prefix="litecost-bench-pg-"))
    results: dict = {"rows": a.rows, "runs": a.runs}
    try:
        csv = work / "spendlogs.csv"
        meta = generate.write_spendlogs_csv(csv, rows=a.rows, seed=a.seed, templates=generate.Templates())
        began = time.perf_counter()
        load(dsn, csv)
        results["table_load_s"] = round(time.perf_counter() - began, 1)
        results["csv_bytes"] = meta["bytes"]
        csv.unlink()
        live, rerun, copy, ingest = [], [], [], []
        for run in range(a.runs):
            db = work / f"live-{run}.duckdb"
            seconds, done = timed([*litecost, "--db", str(db), "ingest", dsn, "--format", "json"])
            assert json.loads(done.stdout)["inserted"] == a.rows, done.stdout[:500]
            live.append(seconds)
            seconds, done = timed([*litecost, "--db", str(db), "ingest", dsn, "--format", "json"])
            assert json.loads(done.stdout)["inserted"] == 0
            rerun.append((seconds, json.loads(done.stdout)["rows_read"]))
            db.unlink()
            export = work / "export.csv"
            seconds, _ = timed(["psql", dsn, "-qc", f"\\copy \"LiteLLM_SpendLogs\" TO '{export}' CSV HEADER"])
            copy.append(seconds)
            db = work / f"file-{run}.duckdb"
            seconds, done = timed([*litecost, "--db", str(db), "ingest", str(export), "--format", "json"])
            assert json.loads(done.stdout)["inserted"] == a.rows
            ingest.append(seconds)
            export.unlink()
            db.unlink()
        manual = [c + i for c, i in zip(copy, ingest)]
        results.update({
            "live_s": [round(s, 2) for s in live], "live_median_s": round(statistics.median(live), 2),
            "live_rows_per_s": round(a.rows / statistics.median(live)),
            "rerun_s": [round(s, 2) for s, _ in rerun], "rerun_rows_read": [n for _, n in rerun],
            "psql_copy_s": [round(s, 2) for s in copy], "file_ingest_s": [round(s, 2) for s in ingest],
            "manual_median_s": round(statistics.median(manual), 2),
            "manual_rows_per_s": round(a.rows / statistics.median(manual)),
        })
    finally:
        server.drop(dsn)
        server.stop()
    print(json.dumps(results, indent=2))
    print(f"\n| route | median of {a.runs} | rows/s |\n|---|---:|---:|")
    print(f"| `litecost ingest postgresql://…` | {results['live_median_s']} s ({', '.join(map(str, results['live_s']))}) | {results['live_rows_per_s']:,} |")
    print(f"| `psql \\copy` + `litecost ingest FILE` | {results['manual_median_s']} s (copy {', '.join(map(str, results['psql_copy_s']))};"
          f" ingest {', '.join(map(str, results['file_ingest_s']))}) | {results['manual_rows_per_s']:,} |")
    print(f"| rerun right after (overlap only) | {', '.join(map(str, results['rerun_s']))} s,"
          f" {', '.join(map(str, results['rerun_rows_read']))} rows read | |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

"""Crashes and overlapping runs through the real CLI process: nothing lost, nothing half-written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from conftest import slp, write_jsonl

LITECOST = [sys.executable, "-m", "litecost"]


def run_cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=120, **kwargs)


def count_calls(db) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT count(*) FROM calls").fetchone()[0]


@pytest.fixture
def big_file(tmp_path):
    # Large enough that ingesting it takes a noticeable moment on a 2-core machine.
    return write_jsonl(tmp_path / "big.jsonl", [slp(f"big-{i}") for i in range(60_000)])


def test_second_writer_exits_5_with_one_line(tmp_path):
    db = tmp_path / "locked.duckdb"
    first = write_jsonl(tmp_path / "first.jsonl", [slp("a")])
    assert run_cli("--db", db, "ingest", first).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        second = write_jsonl(tmp_path / "second.jsonl", [slp("b")])
        result = run_cli("--db", db, "ingest", second)
        assert result.returncode == 5
        assert result.stdout == ""
        assert result.stderr.splitlines()[-1] == (
            f"litecost: error: database {db} is in use by another litecost process; "
            "try again when it has finished, or pass --wait SECONDS to wait for it"
        )
        reader = run_cli("--db", db, "db", "info")
        assert reader.returncode == 5
    finally:
        holder.kill()
        holder.wait()
    assert count_calls(db) == 1


@pytest.mark.slow
def test_killed_ingest_leaves_the_database_as_it_was(tmp_path, big_file):
    db = tmp_path / "crash.duckdb"
    before = write_jsonl(tmp_path / "before.jsonl", [slp("kept-1"), slp("kept-2")])
    assert run_cli("--db", db, "ingest", before).returncode == 0
    process = subprocess.Popen([*LITECOST, "--db", str(db), "ingest", str(big_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # the detection note: the transaction is about to start
    time.sleep(0.4)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert count_calls(db) == 2  # opens cleanly, with exactly the data from before
    again = run_cli("--db", db, "ingest", big_file, "--format", "json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert (summary["rows_read"], summary["inserted"], summary["duplicates"]) == (60_000, 60_000, 0)
    assert count_calls(db) == 60_002


@pytest.mark.slow
def test_killed_invoice_import_leaves_the_database_as_it_was(tmp_path):
    import csv

    db = tmp_path / "crash.duckdb"
    header = ["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value", "amount_currency", "quantity",
              "quantity_unit", "line_item", "user_id", "api_key_id", "project_id", "organization_id", "project_name",
              "organization_name", "user_email", "api_source"]
    small = tmp_path / "small.csv"
    big = tmp_path / "big.csv"
    day = 1790812800  # 2026-10-01
    for path, rows in ((small, 3), (big, 400_000)):
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for i in range(rows):
                start = day - 86400 * (i % 365) - (0 if path is small else 86400 * 400)
                writer.writerow([start, start + 86400, "", "", f"{i % 97}.25", "usd", 1000 + i, "tokens",
                                 f"gpt-4o-mini-2024-07-18, {'input' if i % 2 else 'output'}", "", "", f"proj_{i % 50}",
                                 "org-1", "", "", "", ""])
    assert run_cli("--db", db, "invoices", "import", small).returncode == 0
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("SELECT count(*), sum(amount) FROM invoice_lines").fetchone()
    process = subprocess.Popen([*LITECOST, "--db", str(db), "invoices", "import", str(big)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # the detection note: the transaction is about to start
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(amount) FROM invoice_lines").fetchone() == before
        assert con.execute("SELECT count(*) FROM invoice_files").fetchone()[0] == 1
    again = run_cli("--db", db, "invoices", "import", big, "--format", "json")
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM invoice_lines").fetchone()[0] == before[0] + 400_000

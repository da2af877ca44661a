"""`litecost demo`: the sample month end to end, without ever touching a real database."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DATA

SAMPLE = Path(__file__).parent.parent / "sample_data"


def test_demo_runs_the_sample_month_and_rebuilds_its_own_database(cli, db):
    run = cli("demo")
    assert run.exit_code == 0, run.stderr
    # Each step is announced as the command a user could run.
    assert f"$ litecost --db {db} ingest " in run.stderr
    assert f"$ litecost --db {db} reconcile " in run.stderr
    # ... and its output is the real command's: the second ingest stores nothing new,
    # the reports and the reconciliation are there.
    assert "2,500 │        0 │      2,500" in run.stdout
    assert "Spend by team · 2026-10" in run.stdout
    assert "non_token_charge" in run.stdout and "missing_logs" in run.stdout
    # It ends by writing the close package beside the database.
    assert "invoice basis" in run.stdout
    assert f"$ litecost --db {db} close --period 2026-10 " in run.stderr
    assert (db.parent / "close-2026-10" / "index.html").is_file()
    again = cli("demo")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.count("2,500 │    2,500 │          0") == 1  # rebuilt, not added to


def test_demo_refuses_a_database_with_other_data_and_leaves_it_alone(cli, db):
    assert cli("ingest", DATA / "callbacks_slp.jsonl").exit_code == 0
    before = db.read_bytes()
    run = cli("demo")
    assert run.exit_code == 2
    assert run.stderr.startswith("litecost: error: ") and "holds data other than the sample month" in run.stderr
    assert run.stdout == ""
    assert db.read_bytes() == before


def test_demo_without_the_sample_month_is_a_usage_error(cli, tmp_path):
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(SAMPLE / "spendlogs_2026-10.csv", partial)
    run = cli("demo", "--data", partial)
    assert run.exit_code == 2
    assert "callbacks_2026-10.jsonl is missing" in run.stderr and "--data DIR" in run.stderr

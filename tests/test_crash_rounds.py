"""Seeded kill -9 rounds for every ingest path (issue 21): killed at a random moment of
its run, a command leaves the database as it was; one re-run then stores exactly what a
run that was never killed stores, and a second re-run changes nothing."""

from __future__ import annotations

import csv
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
LITECOST = [sys.executable, "-m", "litecost"]
ROUNDS = 2
SEED = 21


def run(*args) -> subprocess.CompletedProcess:
    done = subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def state(db: Path) -> str:
    """Every stored row of every table, less what differs between runs by design (ids
    and times of the runs themselves), as one digest."""
    parts = []
    with duckdb.connect(str(db), read_only=True) as con:
        for table, leave_out in (
            ("calls", ("ingest_id",)), ("rejects", ("ingest_id",)), ("duplicate_conflicts", ("ingest_id",)),
            ("invoice_lines", ("invoice_file_id",)),
            ("invoice_files", ("invoice_file_id", "imported_at", "superseded_by")),
        ):
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in leave_out]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
            parts.append(f"{table}:{len(rows)}:{rows!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _bill(path: Path, rows: int) -> Path:
    day = 1790812800  # 2026-10-01
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value", "amount_currency",
                         "quantity", "quantity_unit", "line_item", "user_id", "api_key_id", "project_id",
                         "organization_id", "project_name", "organization_name", "user_email", "api_source"])
        for i in range(rows):
            start = day - 86400 * (i % 365) - 86400 * 400
            writer.writerow([start, start + 86400, "", "", f"{i % 97}.25", "usd", 1000 + i, "tokens",
                             f"gpt-4o-mini-2024-07-18, {'input' if i % 2 else 'output'}", "", "", f"proj_{i % 50}",
                             "org-1", "", "", "", ""])
    return path


def _generated(kind: str, path: Path, rows: int) -> Path:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), kind, str(path), "--rows", str(rows)],
                   check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("rounds")
    jsonl = _generated("jsonl", tmp / "callbacks.jsonl", 30_000)
    # The general reader: the same lines with a broken one in the middle (its text is
    # needed for the reject), and a SpendLogs CSV.
    lines = jsonl.read_bytes().splitlines(keepends=True)
    general = tmp / "callbacks_with_a_bad_line.jsonl"
    general.write_bytes(b"".join(lines[:15_000]) + b"{\"id\": \"broken\", \n" + b"".join(lines[15_000:]))
    # Many small files, read as one bundle: the same lines cut into files of 50, with a
    # broken line in one of them.
    folder = tmp / "hourly"
    folder.mkdir()
    for start in range(0, len(lines), 50):
        part = lines[start:start + 50]
        if start == 10_000:
            part = [*part[:20], b'{"id": "broken", "prompt_tokens": -1}\n', *part[20:]]
        (folder / f"litellm-{start // 50:04d}.jsonl").write_bytes(b"".join(part))
    return {
        "typed": jsonl,
        "general": general,
        "bundle": folder,
        "csv": _generated("csv", tmp / "spendlogs.csv", 15_000),
        "invoices": _bill(tmp / "bill.csv", 150_000),
    }


@pytest.mark.slow
@pytest.mark.parametrize("path_kind", ["typed", "general", "bundle", "csv", "invoices"])
def test_kill_9_at_random_moments_then_one_rerun_is_exact(tmp_path, inputs, path_kind):
    command = ("invoices", "import") if path_kind == "invoices" else ("ingest",)
    source = inputs[path_kind]
    base = tmp_path / "base.duckdb"
    run("--db", base, "ingest", ROOT / "tests" / "data" / "spendlogs.jsonl")
    run("--db", base, "invoices", "import", ROOT / "tests" / "data" / "billing" / "openai_dashboard_costs_synthetic.csv")
    before = state(base)
    reference = tmp_path / "reference.duckdb"
    shutil.copy(base, reference)
    started = time.monotonic()
    run("--db", reference, *command, source)
    whole_run = time.monotonic() - started
    expected = state(reference)
    rng = random.Random(f"{SEED}-{path_kind}")
    for round_no in range(ROUNDS):
        db = tmp_path / f"round{round_no}.duckdb"
        shutil.copy(base, db)
        process = subprocess.Popen([*LITECOST, "--db", str(db), *command, str(source)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, whole_run))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if process.returncode == 0:
            assert state(db) == expected  # it finished first: nothing to recover
            continue
        assert process.returncode == -signal.SIGKILL
        # Killed before its commit: nothing of it; after: all of it (the run was closing).
        assert state(db) in (before, expected), f"round {round_no}: the killed run left part of its work"
        run("--db", db, *command, source)
        assert state(db) == expected, f"round {round_no}: one re-run does not give the result of an unkilled run"
        run("--db", db, *command, source)
        assert state(db) == expected, f"round {round_no}: a second re-run changed the stored rows"

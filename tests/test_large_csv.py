"""SpendLogs CSV exports at production size: every record read, memory bounded.

DuckDB 2.0's non-strict parallel CSV reader can lose a record that starts just after one
of its split points when the split falls inside a quoted field full of doubled quotes (a
stored prompt, LiteLLM's metadata): no reject, no error, one call fewer. It lost 3 of 1 M
payload-bearing rows made by `bench/generate.py csv --payload-bytes 7KB`. The two rows in
tests/data/csv_split_point/rows.csv are such a pair from that file: the split fell 1,930
bytes into the first one and the second was lost. Placed at the same offset after a
128 MiB split point, they reproduce the loss with the reader's options as they were.
"""

from __future__ import annotations

import csv
import json
import threading
import time
import sys
from pathlib import Path

import pytest

from conftest import DATA, run_litecost as _litecost, stored_totals as _stored

ROOT = Path(__file__).resolve().parent.parent

SPLIT = 128 * 1024 * 1024
INTO_FIRST_ROW = 1930  # bytes from the start of the first fixture row to the split point
TRAILING_ROWS = 50


def _split_point_csv(path: Path) -> tuple[int, set[str]]:
    """A SpendLogs CSV whose 128 MiB split point falls where it lost a record: payload-bearing
    rows from bench/generate.py, then the fixture pair. Returns the number of records and the
    fixture rows' request ids."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    fillers_path = path.with_name("fillers.csv")
    generate.write_spendlogs_csv(fillers_path, rows=12_000, payload_bytes=7000)
    lines = fillers_path.read_bytes().splitlines(keepends=True)
    fillers_path.unlink()
    pair = (DATA / "csv_split_point" / "rows.csv").read_bytes()
    fixture_ids = {line.split(b",", 1)[0].decode() for line in pair.splitlines()}
    target = SPLIT - INTO_FIRST_ROW  # where the first fixture row must start
    kept, size = 0, 0
    while size + len(lines[kept]) + len(lines[kept + 1]) < target:
        size += len(lines[kept])
        kept += 1
    # The last filler is padded inside its messages JSON (spaces are insignificant there).
    last = lines[kept]
    at = last.index(b'"[{') + 2
    padded = last[:at] + b" " * (target - size - len(last)) + last[at:]
    with open(path, "wb") as out:
        out.writelines(lines[:kept])
        out.write(padded)
        out.write(pair)
        out.writelines(lines[-TRAILING_ROWS:])  # the loss needs rows after the pair
    return kept - 1 + 1 + 2 + TRAILING_ROWS, fixture_ids  # fillers without the header, the padded one, the pair


@pytest.mark.slow
def test_a_record_after_a_split_point_inside_quoted_json_is_read(cli, db, tmp_path):
    path = tmp_path / "spendlogs.csv"
    records, fixture_ids = _split_point_csv(path)
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (records, records, 0)
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        found = {r[0] for r in con.execute("SELECT request_id FROM calls WHERE request_id IN (SELECT unnest($1))",
                                           [sorted(fixture_ids)]).fetchall()}
    finally:
        con.close()
    assert found == fixture_ids


def _generate(path: Path, rows: int, payload_bytes: int = 0) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    generate.write_spendlogs_csv(path, rows=rows, payload_bytes=payload_bytes)
    return path


@pytest.mark.slow
def test_an_ingest_larger_than_the_memory_limit_spills_and_stores_every_row(tmp_path):
    path = _generate(tmp_path / "spendlogs.csv", rows=60_000)  # ~240 MB, 60,000 calls
    with open(path, newline="", encoding="utf-8") as f:
        expected_prompt = sum(int(row["prompt_tokens"]) for row in csv.DictReader(f))
    spill = tmp_path / "spill"
    peak = {"bytes": 0}
    running = threading.Event()
    running.set()

    def watch() -> None:
        while running.is_set():
            size = sum(p.stat().st_size for p in spill.glob("*") if p.is_file()) if spill.exists() else 0
            peak["bytes"] = max(peak["bytes"], size)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        run = _litecost(tmp_path / "db.duckdb", "ingest", str(path), "--format", "json",
                        env={"LITECOST_MEMORY_LIMIT": "200MB", "LITECOST_TEMP_DIR": str(spill)})
    finally:
        running.clear()
        watcher.join()
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (60_000, 60_000, 0)
    assert _stored(tmp_path / "db.duckdb") == (60_000, expected_prompt, 1)
    assert peak["bytes"] > 10 * 1024 * 1024, "the ingest should have spilled to LITECOST_TEMP_DIR"


@pytest.mark.slow
def test_a_memory_limit_too_small_is_one_line_naming_the_setting_and_stores_nothing(tmp_path):
    db = tmp_path / "db.duckdb"
    small = _generate(tmp_path / "small.csv", rows=100)
    assert _litecost(db, "ingest", str(small), env={}).returncode == 0
    before = _stored(db)
    path = _generate(tmp_path / "spendlogs.csv", rows=10_000, payload_bytes=7000)
    run = _litecost(db, "ingest", str(path), env={"LITECOST_MEMORY_LIMIT": "32MB"})
    assert run.returncode == 6, run.stderr
    errors = [line for line in run.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, run.stderr
    assert "out of memory" in errors[0] and "LITECOST_MEMORY_LIMIT=32MB" in errors[0]
    assert "nothing was stored" in errors[0] and "set LITECOST_MEMORY_LIMIT=1GB" in errors[0]
    assert "Traceback" not in run.stderr and "OutOfMemoryException" not in run.stderr
    assert _stored(db) == before
    # The same command with the suggested setting succeeds.
    again = _litecost(db, "ingest", str(path), "--format", "json", env={"LITECOST_MEMORY_LIMIT": "1GB"})
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["rows_read"] == 10_000


def test_a_record_longer_than_the_limit_allows_is_one_line_naming_the_setting(cli, db, tmp_path, monkeypatch):
    sample = (ROOT / "sample_data" / "spendlogs_2026-10.csv").read_text(encoding="utf-8").splitlines()
    header, rows = sample[0], sample[1:4]
    # messages is stored as `{}`: make the second row's a 3 MB prompt.
    long_row = rows[1].replace(",{},", ',"[{""role"": ""user"", ""content"": ""' + "x" * 3_000_000 + '""}]",', 1)
    assert len(long_row) > 3_000_000
    path = tmp_path / "spendlogs.csv"
    path.write_text("\n".join([header, rows[0], long_row, rows[2]]) + "\n", encoding="utf-8")
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "32MB")  # records up to 2 MiB
    run = cli("ingest", path, "--format", "json")
    assert run.exit_code == 6, run.stderr
    [error] = [line for line in run.stderr.splitlines() if "error" in line]
    assert error.endswith(
        "spendlogs.csv: a record of 2.9 MiB is longer than the 2 MiB litecost reads within the memory limit of"
        " 31 MiB (LITECOST_MEMORY_LIMIT=32MB); nothing was stored;"
        " set LITECOST_MEMORY_LIMIT=256MB (or more) and run the same command again"), error
    assert not db.exists() or cli("db", "info", "--format", "csv").stdout.count("calls,0") == 1
    monkeypatch.setenv("LITECOST_MEMORY_LIMIT", "256MB")
    again = cli("ingest", path, "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert (again.json()["rows_read"], again.json()["rejected"]) == (3, 0)


@pytest.mark.slow
def test_a_temp_dir_that_cannot_be_written_is_named_not_the_input(tmp_path):
    path = _generate(tmp_path / "spendlogs.csv", rows=60_000)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    db = tmp_path / "db.duckdb"
    run = _litecost(db, "ingest", str(path),
                    env={"LITECOST_MEMORY_LIMIT": "200MB", "LITECOST_TEMP_DIR": str(blocker / "spill")})
    assert run.returncode == 2, run.stderr
    [error] = [line for line in run.stderr.splitlines() if "error" in line]
    assert error.startswith(f"litecost: error: cannot spill to LITECOST_TEMP_DIR={blocker / 'spill'}: ")
    assert "nothing was stored; point LITECOST_TEMP_DIR at a writable directory" in error
    assert "re-export or repair the file" not in error
    assert not db.exists() or _stored(db) == (0, 0, 0)

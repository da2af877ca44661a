"""No input, argument or database file ends in exit 70 (issue 21): each hostile case is a
one-line error with its exit code, and a database it names is left byte for byte as it
was. Cases are generated here, run through the CLI as a user runs it."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import DATA, assert_one_line_error

LITECOST = [sys.executable, "-m", "litecost"]
BILL = Path(__file__).parent / "data" / "billing" / "openai_dashboard_costs_synthetic.csv"


def run(cwd: Path, *args, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """A workspace with a small litecost database and the hostile files."""
    ws = tmp_path_factory.mktemp("hostile")
    assert run(ws, "--db", ws / "ok.duckdb", "ingest", DATA / "spendlogs.jsonl").returncode == 0
    (ws / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (ws / "deep_first_line.jsonl").write_text(
        json.dumps({"id": "deep", "startTime": 1790850000, "model": "gpt-4o-mini", "response_cost": 0.1,
                    "prompt_tokens": 1, "completion_tokens": 1})[:-1]
        + ', "metadata": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}\n")
    return ws


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("tz", ["right/UTC", "posixrules", "localtime", "Not/AZone"])
def test_time_zones_duckdb_cannot_compute_in_are_usage_errors(ws, tz):
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "report", "--by", "day", "--tz", tz), 2, f"unknown time zone '{tz}'")
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "reconcile", "--tz", tz, BILL), 2, f"unknown time zone '{tz}'")
    assert_one_line_error(run(ws, "--db", ws / "new.duckdb", "ingest", "--source-tz", tz, DATA / "spendlogs.jsonl"), 2)
    assert not (ws / "new.duckdb").exists()


def test_json_nested_deeper_than_python_reads(ws):
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "pricing", "sync", "--from-file", ws / "deep.json"), 3, "nested too deep")
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "report", "--by", "model", "--pricing", ws / "deep.json"), 3, "nested too deep")
    # A log whose first record is that deep is DuckDB's to read, not Python's.
    done = run(ws, "--db", ws / "deep.duckdb", "ingest", ws / "deep_first_line.jsonl", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["inserted"] == 1


def _foreign_duckdb(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE orders (id INTEGER, total DECIMAL(10, 2))")
        con.execute("INSERT INTO orders VALUES (1, 9.99)")
    return path


def _sqlite(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    return path


@pytest.mark.parametrize("make,words", [
    (_foreign_duckdb, ("is a DuckDB database of another program (tables: orders)",)),
    (_sqlite, ("is a SQLite database",)),
    (lambda p: (p.write_bytes(b"not a database at all\n"), p)[1], ("is not a DuckDB database",)),
    (lambda p: (p.write_bytes((DATA / "spendlogs.jsonl").read_bytes()), p)[1], ("is not a DuckDB database",)),
])
@pytest.mark.parametrize("command", [("report", "--by", "model"), ("db", "info"), ("ingest", DATA / "spendlogs.jsonl")])
def test_a_database_litecost_did_not_make_is_refused_untouched(tmp_path, make, words, command):
    path = make(tmp_path / "theirs.db")
    before = digest(path)
    assert_one_line_error(run(tmp_path, "--db", path, *command), 3, *words, "left it untouched")
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["theirs.db"]


def test_a_truncated_database_is_refused_untouched(ws, tmp_path):
    path = tmp_path / "cut.duckdb"
    path.write_bytes((ws / "ok.duckdb").read_bytes()[:100_000])
    before = digest(path)
    assert_one_line_error(run(tmp_path, "--db", path, "report", "--by", "model"), 3, "cannot open")
    assert digest(path) == before


def test_a_fifo_as_the_database_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "db.fifo"
    os.mkfifo(fifo)
    for command in (("report", "--by", "model"), ("ingest", DATA / "spendlogs.jsonl")):
        assert_one_line_error(run(tmp_path, "--db", fifo, *command, timeout=20), 2, "is a FIFO, not a database file")


@pytest.mark.parametrize("args", [
    ("--period", "0001-01", "--compare", "previous"),
    ("--period", "9999-W52", "--tz", "Etc/GMT+12"),
    ("--period", "0001", "--tz", "Pacific/Kiritimati"),
    ("--since", "0001-01-01", "--tz", "Pacific/Kiritimati"),
    ("--until", "9999-12-31T23:59:59", "--tz", "Pacific/Kiritimati"),
])
def test_windows_at_the_ends_of_the_calendar_are_usage_errors(ws, args):
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "report", "--by", "day", *args), 2,
                   "outside the years litecost handles (1970–2199)")


def test_a_window_at_the_edge_of_the_range_works(ws):
    done = run(ws, "--db", ws / "ok.duckdb", "report", "--by", "day", "--period", "2199-12", "--tz", "Pacific/Kiritimati",
               "--compare", "previous")
    assert done.returncode == 0, done.stderr


def test_a_superscript_digit_is_not_an_invoice_id(ws):
    assert_one_line_error(run(ws, "--db", ws / "ok.duckdb", "reconcile", "²"), 2, "²: no such file or directory")


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB file system (tmpfs; needs root), unmounted afterwards."""
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_named_and_nothing_is_stored(ws, small_disk):
    big = ws / "big.jsonl"
    subprocess.run([sys.executable, str(Path(__file__).parent.parent / "bench" / "generate.py"), "jsonl", str(big), "--bytes", "120MB"],
                   check=True, capture_output=True)
    db = small_disk / "calls.duckdb"
    assert_one_line_error(run(ws, "--db", db, "ingest", big), 2, f"cannot write {db}", "no space left on the device; nothing was stored")
    info = run(ws, "--db", db, "db", "info", "--format", "json")
    assert info.returncode == 0 and json.loads(info.stdout)["calls"] == 0
    with open(small_disk / "filler", "wb") as fh:  # the disk now full to the last block
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass
    done = run(ws, "--db", ws / "ok.duckdb", "report", "--by", "model", "--format", "csv", "-o", small_disk / "r.csv")
    assert_one_line_error(done, 2, f"cannot write {small_disk / 'r.csv'}: No space left on device")
    assert not (small_disk / "r.csv").exists()

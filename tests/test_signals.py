"""Ctrl-C and SIGTERM to a real `litecost ingest` process, mid-query on a large realistic
file: it stops within about a second, says so in one line, and the database is exactly
as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
LITECOST = [sys.executable, "-m", "litecost"]


def _generate(kind: str, path: Path, *size: str) -> Path:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), kind, str(path), *size],
                   check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory) -> dict[str, Path]:
    # Several seconds of ingest each on a 2-core machine: the signal lands mid-query.
    work = tmp_path_factory.mktemp("signals")
    return {
        "callbacks": _generate("jsonl", work / "callbacks.jsonl", "--bytes", "600MB"),
        "spendlogs": _generate("csv", work / "spendlogs.csv", "--rows", "60000"),
    }


def _state(db: Path) -> tuple:
    with duckdb.connect(str(db), read_only=True) as con:
        return (
            con.execute("SELECT count(*), string_agg(request_id, ',' ORDER BY request_id) FROM calls").fetchone(),
            con.execute("SELECT count(*) FROM ingests").fetchone(),
            con.execute("SELECT count(*) FROM rejects").fetchone(),
        )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "signum", "exit_code", "word"),
    [("callbacks", signal.SIGINT, 130, "interrupted"), ("spendlogs", signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_mid_ingest_stops_at_once_and_stores_nothing(tmp_path, big_inputs, kind, signum, exit_code, word):
    db = tmp_path / "signal.duckdb"
    first = subprocess.run([*LITECOST, "--db", str(db), "ingest", str(DATA / "spendlogs.jsonl")], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = _state(db)

    process = subprocess.Popen([*LITECOST, "--db", str(db), "ingest", str(big_inputs[kind])],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stderr.readline()  # the detection note: the transaction is about to start
    time.sleep(0.5)
    sent = time.monotonic()
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    elapsed = time.monotonic() - sent

    assert process.returncode == exit_code, stderr
    assert elapsed < 1.5
    assert stderr.splitlines() == [f"litecost: {word}; nothing stored"]
    assert stdout == ""
    assert _state(db) == before


def test_a_signal_the_parent_ignores_stays_ignored():
    # `nohup litecost …` and background jobs of a non-interactive shell ignore SIGINT.
    code = (
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "from litecost.cli import signals; signals.install()\n"
        "assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN\n"
        "assert signal.getsignal(signal.SIGTERM) is signals._on_signal\n"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0


@pytest.mark.slow
def test_a_signal_mid_close_leaves_the_earlier_close_as_it_was(tmp_path):
    """Ctrl-C while `close` computes or writes: exit 130, and the folder holds the earlier
    close, whole (or, signalled too late, the new one, whole); nothing staged is left."""
    sample = ROOT / "sample_data"
    bills = sorted(str(p) for p in (sample / "invoices").glob("*_2026-10.*"))
    db, folder = tmp_path / "close.duckdb", tmp_path / "close-2026-10"
    assert subprocess.run([*LITECOST, "--db", str(db), "ingest", str(sample / "spendlogs_2026-10.csv")],
                          capture_output=True).returncode == 0
    command = [*LITECOST, "--db", str(db), "close", "--period", "2026-10", *bills, "-o", str(folder)]
    assert subprocess.run(command, capture_output=True).returncode == 0
    earlier = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "report.md").write_bytes(b"the earlier close\n")  # to tell the two apart
    earlier["report.md"] = b"the earlier close\n"
    outcomes = []
    for delay in (0.1, 0.3, 0.6, 0.9):
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        process.stderr.readline()  # the first bill detected: the work has begun
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        outcomes.append(process.returncode)
        now = {p.name: p.read_bytes() for p in folder.iterdir()}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["close-2026-10", "close.duckdb"]
        if process.returncode == 130:
            assert stderr.splitlines()[-1] == "litecost: interrupted; nothing stored"
            assert now == earlier
        else:
            assert process.returncode == 0, stderr
            assert subprocess.run([*LITECOST, "close", "--verify", str(folder)], capture_output=True).returncode == 0
            break
    assert 130 in outcomes

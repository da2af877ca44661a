"""`bench/profile.py` still profiles an ingest: every statement timed, with its CPU and page faults."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "callbacks_2026-10.jsonl"


def _profile(*args: str) -> tuple[str, list[tuple[str, str, str, str]]]:
    """Run bench/profile.py; its output and its statement rows (user, system, faults, SQL)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "profile.py"), *args], capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    statements = re.findall(r"^  #\d{3} +[\d.]+s +[\d.]+% +([\d.]+)u +([\d.]+)s +([\d,]+)f  (.+)$", proc.stdout, re.M)
    return proc.stdout, statements


def test_profile_ingest_lists_statements_with_cpu_and_faults(tmp_path):
    out, statements = _profile("ingest", str(SAMPLE), "--db", str(tmp_path / "profile.duckdb"))
    assert "'inserted': " in out and "'rejected': 0" in out
    assert any(sql.startswith("INSERT INTO calls BY NAME") for *_, sql in statements), out
    assert sum(float(user) for user, *_ in statements) > 0
    assert not (tmp_path / "profile.duckdb").exists()  # removed unless --keep


def test_profile_cli_merges_every_connection_of_a_command(tmp_path):
    db = tmp_path / "store.duckdb"
    subprocess.run([sys.executable, "-m", "litecost", "--db", str(db), "ingest", str(SAMPLE)],
                   check=True, capture_output=True, timeout=120, cwd=REPO)
    out, statements = _profile("cli", "--", "--db", str(db), "report", "--by", "tag")
    assert "everything else (Python" in out
    assert any("FROM calls" in sql for *_, sql in statements), out

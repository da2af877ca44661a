"""`bench/profile.py` still profiles an ingest: every statement timed, with its CPU and page faults."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_profile_ingest_lists_statements_with_cpu_and_faults(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "profile.py"), "ingest", str(REPO / "sample_data" / "callbacks_2026-10.jsonl"),
         "--db", str(tmp_path / "profile.duckdb")],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "'inserted': " in proc.stdout and "'rejected': 0" in proc.stdout
    statements = re.findall(r"^  #\d{3} +[\d.]+s +[\d.]+% +([\d.]+)u +([\d.]+)s +([\d,]+)f  (.+)$", proc.stdout, re.M)
    assert any(sql.startswith("CREATE OR REPLACE TEMP TABLE staged_rows") for *_, sql in statements), proc.stdout
    assert sum(float(user) for user, *_ in statements) > 0
    assert not (tmp_path / "profile.duckdb").exists()  # removed unless --keep

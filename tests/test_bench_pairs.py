"""`bench/pairs.py` still measures issue 28's ratio: floor and ingest as fresh processes, pair by pair."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "callbacks_2026-10.jsonl"


def _pairs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "bench" / "pairs.py"), *args],
                          capture_output=True, text=True, timeout=300, cwd=REPO)


def test_each_pair_times_the_floor_and_an_ingest_that_stored_every_row(tmp_path):
    out = tmp_path / "pairs.json"
    proc = _pairs(str(SAMPLE), "--pairs", "2", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert [p["pair"] for p in result["pairs"]] == [1, 2]
    for pair in result["pairs"]:
        assert pair["rows"] == 2500 and pair["reader"] == "typed"
        assert pair["floor_s"] > 0 and pair["ingest_s"] > 0 and pair["ingest_cpu_s"] > 0
        assert pair["ratio"] == round(pair["ingest_s"] / pair["floor_s"], 2)
    summary = result["summary"]
    assert summary["pairs"] == 2 and summary["bar"] == 3
    assert summary["within_bar"] == sum(p["ratio"] <= 3 for p in result["pairs"])
    assert f"{summary['within_bar']} of 2 at or under 3×" in proc.stdout
    assert "| pair | floor | ingest | ratio |" in proc.stdout


def test_an_ingest_that_stores_fewer_rows_than_the_floor_read_is_no_pair(tmp_path):
    """A ratio over an ingest that dropped rows would flatter it: the run stops instead."""
    short = tmp_path / "with-a-reject.jsonl"
    short.write_bytes(SAMPLE.read_bytes() + b'{"model": "gpt-4o-mini"}\n')  # no id: rejected, yet a row to read
    proc = _pairs(str(short), "--pairs", "1")
    assert proc.returncode != 0
    assert "the ingest stored 2,500 calls (1 rejected) of the 2,501 rows the floor read" in proc.stderr


def test_another_build_can_be_timed_in_place_of_the_installed_one(tmp_path):
    out = tmp_path / "pairs.json"
    marker = tmp_path / "ran"
    wrapper = tmp_path / "other_build.py"  # stands for an older checkout's entry point
    wrapper.write_text(f"import pathlib, sys\npathlib.Path({str(marker)!r}).touch()\n"
                       "from litecost.cli.main import main\nsys.argv[0] = 'litecost'\nmain()\n")
    proc = _pairs(str(SAMPLE), "--pairs", "1", "--litecost", f"{sys.executable} {wrapper}", "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert marker.exists()
    assert json.loads(out.read_text())["pairs"][0]["rows"] == 2500

"""Callback JSON lines at size under a small memory limit: written straight to the store
(no staged copy to hold or spill), every line stored; a limit too small is one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import assert_one_line_error, run_litecost, stored_totals as _stored

ROOT = Path(__file__).resolve().parent.parent


def _generate(path: Path, rows: int) -> tuple[Path, int]:
    """Payload-bearing callback lines from bench/generate.py, and their prompt tokens."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    generate.write_callbacks_jsonl(path, rows=rows, payload_bytes=7000)
    with open(path, encoding="utf-8") as lines:
        prompt = sum(json.loads(line)["prompt_tokens"] for line in lines)
    return path, prompt


def _litecost(db: Path, *args: str, limit: str):  # noqa: ANN202
    return run_litecost(db, *args, env={"LITECOST_MEMORY_LIMIT": limit})


@pytest.mark.slow
def test_callback_lines_larger_than_the_memory_limit_are_all_stored(tmp_path):
    path, prompt = _generate(tmp_path / "callbacks.jsonl", rows=30_000)  # ~266 MB
    assert path.stat().st_size > 256_000_000
    run = _litecost(tmp_path / "db.duckdb", "ingest", str(path), "--format", "json", limit="256MB")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert (doc["rows_read"], doc["inserted"], doc["rejected"]) == (30_000, 30_000, 0)
    assert doc["files"][0]["reader"] == "typed"
    assert _stored(tmp_path / "db.duckdb") == (30_000, prompt, 1)


@pytest.mark.slow
def test_callback_lines_under_a_limit_too_small_are_one_line_and_nothing_stored(tmp_path):
    db = tmp_path / "db.duckdb"
    small, small_prompt = _generate(tmp_path / "small.jsonl", rows=100)  # the big file's first 100 calls
    assert _litecost(db, "ingest", str(small), limit="1GB").returncode == 0
    before = _stored(db)
    path, prompt = _generate(tmp_path / "callbacks.jsonl", rows=10_000)
    run = _litecost(db, "ingest", str(path), limit="64MB")
    assert_one_line_error(run, 6, "out of memory", "LITECOST_MEMORY_LIMIT=64MB", "nothing was stored",
                          "set LITECOST_MEMORY_LIMIT=1GB")
    assert "OutOfMemoryException" not in run.stderr
    assert _stored(db) == before
    # The same command with the suggested setting succeeds (its first 100 calls stored before: staged).
    again = _litecost(db, "ingest", str(path), "--format", "json", limit="1GB")
    assert again.returncode == 0, again.stderr
    doc = json.loads(again.stdout)
    assert (doc["inserted"], doc["duplicates"], doc["conflicts"], doc["files"][0]["reader"]) == (9_900, 100, 0, "typed")
    assert _stored(db) == (before[0] + 9_900, before[1] + prompt - small_prompt, 2)

"""The benchmark harness still runs: `bench/run.py --smoke` end to end, as a subprocess.

Tiny sizes and one run each (a few seconds); it checks that the harness completes, that
every benchmark it ran succeeded, and that results.json has the documented shape — not
the timings themselves (those belong in bench/README.md, measured on a quiet machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "bench" / "run.py"

EXPECTED_BENCHMARKS = {
    "help", "ingest-jsonl-10.0MB", "reingest-jsonl-10.0MB", "unchanged-ingest-jsonl-10.0MB", "grown-ingest-jsonl-10.0MB", "ingest-csv-2.0MB", "ingest-bucket-2k-files",
    "ingest-jsonl-payload-2.0MB",
    "report-tag", "report-team-model", "report-tag-even", "reconcile",
}
EXPECTED_TARGETS = {
    "ingest_callbacks_vs_floor", "payload_jsonl_vs_floor", "reingest_vs_ingest", "unchanged_vs_ingest", "grown_vs_ingest", "bucket_vs_jsonl", "ingest_peak_memory", "report_by_tag", "reconcile",
    "help", "store_size",
}


@pytest.mark.slow
def test_bench_smoke_run_writes_results(tmp_path):
    out_dir = tmp_path / "bench-out"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--out-dir", str(out_dir)],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "| benchmark |" in proc.stdout  # the markdown table

    results = json.loads((out_dir / "results.json").read_text())
    assert results["schema_version"] == 1
    assert results["mode"] == "smoke"
    assert results["finished_at"]
    for key in ("nproc", "python", "duckdb", "litecost", "rss_measured_with"):
        assert key in results["machine"], key
    assert results["store"]["rows"] == 20_000 and results["store"]["bytes_per_million_calls"] > 0

    benches = {b["name"]: b for b in results["benchmarks"]}
    assert set(benches) == EXPECTED_BENCHMARKS
    for name, bench in benches.items():
        if name == "reconcile" and bench["status"] == "not built yet":
            continue
        assert bench["status"] == "ok", (name, bench)
        assert bench["median_s"] > 0 and bench["peak_rss_mb"] > 0, name
        assert bench["floor"]["status"] == "ok" and bench["floor"]["median_s"] > 0, name
        assert bench["ratio_to_floor"] > 0, name
    for name in ("ingest-jsonl-10.0MB", "ingest-csv-2.0MB"):
        bench = benches[name]
        assert bench["input"]["rows"] > 0 and bench["input"]["bytes"] >= 2_000_000
        assert bench["throughput"]["rows_per_s"] > 0 and bench["throughput"]["mb_per_s"] > 0
        assert bench["store_bytes_per_million_calls"] > 0
        # every row was counted as inserted (the check inside the harness), on every run
        assert all(r["check"]["inserted"] == bench["input"]["rows"] for r in bench["runs"])
        assert "pandas" in bench and "polars" in bench
    polars = benches["ingest-jsonl-10.0MB"]["polars"]
    assert polars["status"] == "ok" and all(r["check"]["rows"] == benches["ingest-jsonl-10.0MB"]["input"]["rows"]
                                            for r in polars["runs"])
    reingest = benches["reingest-jsonl-10.0MB"]
    assert reingest["ratio_to_first_ingest"] > 0
    assert all(r["check"]["duplicates"] == reingest["input"]["rows"] for r in reingest["runs"])
    unchanged = benches["unchanged-ingest-jsonl-10.0MB"]
    assert 0 < unchanged["ratio_to_first_ingest"] < 1
    assert all(r["check"]["skipped"] == 1 for r in unchanged["runs"])
    grown = benches["grown-ingest-jsonl-10.0MB"]
    # At 10 MB both runs are mostly process start-up, timed once: the ratio is the bench's target
    # at full size (grown_vs_ingest); here, that only the appended lines were read (1.10x in one CI run).
    assert grown["ratio_to_first_ingest"] > 0 and grown["input"]["appended_rows"] > 0
    assert all(r["check"]["rows_read"] == grown["input"]["appended_rows"] for r in grown["runs"])

    payload = benches["ingest-jsonl-payload-2.0MB"]
    assert payload["input"]["payload_bytes"] > 0 and all(r["check"]["inserted"] == payload["input"]["rows"] for r in payload["runs"])

    targets = {t["name"]: t for t in results["targets"]}
    assert set(targets) == EXPECTED_TARGETS
    # the payload file is not taken for the plain JSONL target, nor the plain file for the payload one
    assert targets["ingest_callbacks_vs_floor"]["detail"].startswith("ingest-jsonl-10.0MB")
    assert targets["payload_jsonl_vs_floor"]["detail"].startswith("ingest-jsonl-payload-2.0MB")
    assert all({"target", "value", "met", "detail"} <= set(t) for t in targets.values())
    assert (out_dir / "results.md").read_text().startswith("| benchmark |")

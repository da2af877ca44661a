#!/usr/bin/env python3
"""Issue 28's ratio, measured as it is stated: N runs, each a `litecost ingest` next to its read floor.

    python bench/pairs.py FILE                  # 5 pairs, each: floor, then ingest into a fresh store
    python bench/pairs.py FILE --pairs 3 --bar 3 --out pairs.json
    python bench/pairs.py FILE --litecost "python /tmp/old/run.py"   # another build, for an A/B

FILE is a generated input (`bench/generate.py jsonl OUT --rows 1000000 --payload-bytes 7KB`,
or a SpendLogs `.csv` / `.parquet`); its floor is the matching `baselines.py floor-*`. Each
pair runs the floor and then the ingest as fresh processes (`run.run_process`: wall clock,
user and system CPU, peak RSS), and the ratio ingest / floor of that pair is one run of the
issue's "≤ 3× the read floor, 5 of 5 runs". The ingest must store every row the floor read.

Before each process the file is read through once, untimed: this VM pages out file pages
that nothing touched for a minute (DAMON `pageout`), and a process that finds its input
evicted spends seconds in the kernel reading the disk (a floor of 17.7 s instead of ~9 s,
2026-12-06): that is the disk's time, not litecost's or DuckDB's, and it would land on
whichever of the two came first.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import litecost_command, run_process  # noqa: E402

FLOORS = {".jsonl": "floor-jsonl", ".csv": "floor-csv", ".parquet": "floor-parquet"}
WARM_BLOCK = 8 << 20


def warm(path: Path) -> None:
    """Read `path` through (into the page cache), so that the next process finds it there."""
    with open(path, "rb", buffering=0) as fh:
        buffer = bytearray(WARM_BLOCK)
        while fh.readinto(buffer):
            pass


def _process(cmd: list[str], work: Path, name: str, timeout: float) -> tuple[dict, str]:
    out, err = work / f"{name}.out", work / f"{name}.err"
    result = run_process(cmd, env=dict(os.environ), cwd=work, out=out, err=err, timeout=timeout)
    if result["exit_code"] != 0 or result.get("timed_out"):
        raise SystemExit(f"{' '.join(cmd)} failed (exit {result['exit_code']}): {err.read_text(errors='replace')[-800:]}")
    return result, out.read_text(errors="replace")


def _cpu(result: dict) -> float:
    return round(result["user_s"] + result["sys_s"], 2)


def one_pair(path: Path, index: int, work: Path, timeout: float, litecost: list[str]) -> dict:
    floor_kind = FLOORS[path.suffix]
    warm(path)
    floor, floor_out = _process([sys.executable, str(BENCH / "baselines.py"), floor_kind, str(path)], work,
                                f"{index}-floor", timeout)
    rows = json.loads(floor_out.splitlines()[-1])["rows"]
    db = work / f"{index}-store.duckdb"
    warm(path)
    ingest, ingest_out = _process([*litecost, "--db", str(db), "ingest", str(path), "--format", "json"],
                                  work, f"{index}-ingest", timeout)
    stored = json.loads(ingest_out)
    if stored["inserted"] != rows or stored["rejected"]:
        raise SystemExit(f"pair {index}: the ingest stored {stored['inserted']:,} calls ({stored['rejected']:,} rejected)"
                         f" of the {rows:,} rows the floor read")
    for leftover in work.glob(f"{index}-store.duckdb*"):
        leftover.unlink()
    return {
        "pair": index, "rows": rows,
        "floor_s": floor["seconds"], "floor_cpu_s": _cpu(floor), "floor_peak_rss_mb": floor["peak_rss_mb"],
        "ingest_s": ingest["seconds"], "ingest_cpu_s": _cpu(ingest), "ingest_peak_rss_mb": ingest["peak_rss_mb"],
        "ratio": round(ingest["seconds"] / floor["seconds"], 2),
        "cpu_ratio": round(_cpu(ingest) / _cpu(floor), 2),
        "reader": stored.get("files", [{}])[0].get("reader"),
    }


def summary(pairs: list[dict], bar: float) -> dict:
    ratios = [p["ratio"] for p in pairs]
    return {
        "pairs": len(pairs), "bar": bar,
        "within_bar": sum(r <= bar for r in ratios),
        "ratio_min": min(ratios), "ratio_median": statistics.median(ratios), "ratio_max": max(ratios),
        "cpu_ratio_median": statistics.median(p["cpu_ratio"] for p in pairs),
    }


def render(path: Path, pairs: list[dict], total: dict) -> str:
    lines = [f"{path.name}: {pairs[0]['rows']:,} rows, {path.stat().st_size / 1e9:.2f} GB",
             "| pair | floor | ingest | ratio | CPU: floor, ingest, ratio | ingest peak RSS | reader |",
             "|---:|---:|---:|---:|---|---:|---|"]
    for p in pairs:
        lines.append(f"| {p['pair']} | {p['floor_s']:.1f} s | {p['ingest_s']:.1f} s | {p['ratio']:.2f}× |"
                     f" {p['floor_cpu_s']:.1f} s, {p['ingest_cpu_s']:.1f} s, {p['cpu_ratio']:.2f}× |"
                     f" {p['ingest_peak_rss_mb']:,.0f} MB | {p['reader']} |")
    lines.append(f"{total['within_bar']} of {total['pairs']} at or under {total['bar']:g}×; ratio"
                 f" {total['ratio_min']:.2f}–{total['ratio_max']:.2f}× (median {total['ratio_median']:.2f}×),"
                 f" CPU ratio median {total['cpu_ratio_median']:.2f}×")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("path", type=Path)
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--bar", type=float, default=3.0, help="the ratio each pair must stay within [3]")
    p.add_argument("--out", type=Path, help="also write the pairs and the summary here, as JSON")
    p.add_argument("--timeout", type=float, default=3600, help="seconds before one process is killed")
    p.add_argument("--litecost", type=shlex.split, default=None,
                   help="the litecost command line to time [the installed entry point]")
    args = p.parse_args(argv)
    if args.path.suffix not in FLOORS:
        p.error(f"{args.path}: expected a .jsonl, .csv or .parquet input")
    pairs = []
    with tempfile.TemporaryDirectory(prefix="litecost-pairs-") as work:
        for index in range(1, args.pairs + 1):
            pairs.append(one_pair(args.path, index, Path(work), args.timeout, args.litecost or litecost_command()))
            print(f"pair {index}: floor {pairs[-1]['floor_s']:.1f} s, ingest {pairs[-1]['ingest_s']:.1f} s,"
                  f" {pairs[-1]['ratio']:.2f}×", file=sys.stderr, flush=True)
    total = summary(pairs, args.bar)
    print(render(args.path, pairs, total))
    if args.out:
        args.out.write_text(json.dumps({"input": str(args.path), "pairs": pairs, "summary": total}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

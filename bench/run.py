#!/usr/bin/env python3
"""litecost benchmark harness: time whole `litecost` processes against their DuckDB floor.

    python bench/run.py                 # full run: 10 MB + 1 GB callback JSONL, 1 GB SpendLogs CSV,
                                        # 10M-call store, 3 runs each (about 15-25 minutes)
    python bench/run.py --big           # ... plus a 5 GB JSONL ingest for peak memory (1 run)
    python bench/run.py --smoke         # tiny sizes, one run, a few seconds (what CI runs)
    python bench/run.py --sizes 100MB --csv-sizes 100MB --rows 1000000 --runs 5 --only ingest,report
    python bench/run.py --render [bench/out/results.json]   # print the tables of an earlier run

Every figure is one whole process (the installed `litecost` entry point, started with
subprocess and reaped with os.wait4, so peak RSS is the kernel's high-water mark for the
process, like `/usr/bin/time -v`), run several times; the median is reported. Each
figure is paired with its floor (bench/baselines.py) measured in the same run on the same
file, also as a fresh process, and the ratio command / floor is quoted. See bench/README.md.

Writes OUT/results.json (machine-readable) and OUT/results.md, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

RESULTS_SCHEMA_VERSION = 1
MB = 1_000_000
PERIOD = "2026-10"


def _litecost_memory_limit_mb() -> int:
    """litecost's DuckDB memory limit on this machine (litecost.memory), in MiB as RSS is reported."""
    sys.path.insert(0, str(REPO))
    try:
        from litecost.memory import memory_settings
    finally:
        sys.path.pop(0)
    return memory_settings().limit_bytes // (1024 * 1024)


MEMORY_LIMIT_MB = _litecost_memory_limit_mb()

TARGETS = {
    "ingest_callbacks_vs_floor": "litecost ingest of callback JSONL <= 2x the DuckDB floor on 1 GB (throughput stated)",
    "payload_jsonl_vs_floor": "ingest of 1 GB of payload-bearing callback JSONL (messages + responses) <= 2x the read floor (bar 3x)",
    "reingest_vs_ingest": "re-ingest of the same file read again (--reread: all duplicates) <= first ingest time",
    "unchanged_vs_ingest": "ingest of a file unchanged since its first ingest (skipped by fingerprint) <= 5% of the first ingest",
    "bucket_vs_jsonl": "ingest of 100,000 bucket files <= 3x the same calls as one JSONL file",
    "grown_vs_ingest": "ingest of a JSONL file grown by 1% since its first ingest (read from where it stopped) <= 5% of the first ingest",
    "ingest_peak_memory": "peak RSS bounded and independent of input size (5 GB input under 2 GB RSS)",
    "report_by_tag": "report --by tag for a month over 10M calls <= 1.5 s",
    "reconcile": "reconcile over 10M calls <= 3 s",
    "help": "litecost --help <= 0.3 s",
    "store_size": "store size per million calls (stated)",
}


# -- measuring one process ----------------------------------------------------------------------


class _Sampler(threading.Thread):
    """Optional extras while a process runs: RSS of the whole process tree (psutil, if
    installed) and the size of a directory (DuckDB's spill directory)."""

    def __init__(self, pid: int, watch_dir: Path | None, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.watch_dir, self.interval = pid, watch_dir, interval
        self.peak_tree_rss = None
        self.peak_dir_bytes = 0 if watch_dir else None
        self._halt = threading.Event()
        try:
            import psutil

            self.proc = psutil.Process(pid)
            self.peak_tree_rss = 0
        except Exception:  # psutil missing, or the process already gone
            self.proc = None

    def run(self) -> None:
        tick = 0
        while not self._halt.is_set():
            if self.proc is not None:
                try:
                    rss = self.proc.memory_info().rss + sum(c.memory_info().rss for c in self.proc.children(recursive=True))
                    self.peak_tree_rss = max(self.peak_tree_rss, rss)
                except Exception:
                    pass
            if self.watch_dir is not None and tick % 10 == 0:
                self.peak_dir_bytes = max(self.peak_dir_bytes, _dir_bytes(self.watch_dir))
            tick += 1
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=5)


def _dir_bytes(path: Path) -> int:
    total = 0
    try:
        for root, _dirs, files in os.walk(path):
            for name in files:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except OSError:
                    pass
    except OSError:
        pass
    return total


# Peak RSS must come from a small parent: Linux carries the parent's RSS high-water mark
# into a forked child's ru_maxrss (exec records the pre-exec mm's peak), so a child forked
# straight from this process (100+ MB with DuckDB loaded) would report at least that much.
# GNU time is tiny; without it a minimal Python (-S, ~8 MB) spawns the command instead.
GNU_TIME = "/usr/bin/time"
_SPAWN = (
    "import os, sys\n"
    "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status) & 255)\n"
)


def rss_wrapper() -> tuple[str, list[str]]:
    if os.path.exists(GNU_TIME) and os.access(GNU_TIME, os.X_OK):
        return "GNU time (%M)", [GNU_TIME, "-f", "%M", "-o"]
    return "python -S posix_spawn + wait4", [sys.executable, "-S", "-c", _SPAWN]


def _wrapped(cmd: list[str], rss_file: Path) -> list[str]:
    _name, prefix = rss_wrapper()
    program = cmd[0] if os.path.isabs(cmd[0]) else (shutil.which(cmd[0]) or cmd[0])
    return prefix + [str(rss_file), program, *cmd[1:]]


def _read_rss_kib(path: Path) -> float | None:
    try:
        text = path.read_text().strip().splitlines()
        return float(text[-1]) if text else None
    except (OSError, ValueError):
        return None


def run_process(cmd: list[str], *, env: dict, cwd: Path, out: Path, err: Path, timeout: float,
                watch_dir: Path | None = None) -> dict:
    rss_file = err.with_suffix(".rss")
    rss_file.unlink(missing_ok=True)
    with out.open("wb") as fo, err.open("wb") as fe:
        began = time.perf_counter()
        proc = subprocess.Popen(_wrapped(cmd, rss_file), stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
        sampler = _Sampler(proc.pid, watch_dir)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        timer.cancel()
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "seconds": round(seconds, 4),
        "exit_code": proc.returncode,
        "peak_rss_mb": round((_read_rss_kib(rss_file) or usage.ru_maxrss) / 1024, 1),  # KiB -> MiB
        "user_s": round(usage.ru_utime, 3),
        "sys_s": round(usage.ru_stime, 3),
    }
    if sampler.peak_tree_rss is not None:
        result["peak_tree_rss_mb_sampled"] = round(sampler.peak_tree_rss / 2**20, 1)
    if sampler.peak_dir_bytes is not None:
        result["peak_spill_mb"] = round(sampler.peak_dir_bytes / MB, 1)
    if timed_out.is_set():
        result["timed_out"] = True
    rss_file.unlink(missing_ok=True)
    return result


def _tail(path: Path, limit: int = 600) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return text[-limit:]


def summarize(runs: list[dict]) -> dict:
    ok = [r for r in runs if r["exit_code"] == 0 and not r.get("timed_out")]
    if not ok:
        return {"status": "failed", "runs": runs}
    times = [r["seconds"] for r in ok]
    summary = {
        "status": "ok",
        "runs": runs,
        "n": len(ok),
        "median_s": round(statistics.median(times), 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
    }
    spill = [r["peak_spill_mb"] for r in ok if "peak_spill_mb" in r]
    if spill:
        summary["peak_spill_mb"] = max(spill)
    return summary


# -- the harness --------------------------------------------------------------------------------


def litecost_command() -> list[str]:
    beside = Path(sys.executable).parent / "litecost"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("litecost")
    return [found] if found else [sys.executable, "-m", "litecost"]


def _run_text(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""


def machine_info() -> dict:
    import duckdb

    info = {
        "nproc": os.cpu_count(),
        "cpu_model": next((line.split(":", 1)[1].strip() for line in _run_text(["lscpu"]).splitlines()
                           if line.startswith("Model name")), platform.processor() or None),
        "memory": next((line for line in _run_text(["free", "-h"]).splitlines() if line.startswith("Mem:")), None),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "litecost_command": " ".join(litecost_command()),
        "git_commit": _run_text(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]) or None,
        "git_dirty": bool(_run_text(["git", "-C", str(REPO), "status", "--porcelain", "--", "litecost"])),
        "litecost_memory_limit": f"{MEMORY_LIMIT_MB} MiB (LITECOST_MEMORY_LIMIT={os.environ.get('LITECOST_MEMORY_LIMIT') or 'unset: default'})",
        "rss_measured_with": rss_wrapper()[0],
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        from litecost import __version__

        info["litecost"] = __version__
    except Exception:
        info["litecost"] = None
    for module in ("pandas", "polars", "psutil"):
        try:
            info[module] = __import__(module).__version__
        except Exception:
            info[module] = None
    return info


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out_dir = args.out_dir.resolve()
        self.data_dir = self.out_dir / "data"
        self.work_dir = self.out_dir / "work"
        self.logs_dir = self.out_dir / "logs"
        shutil.rmtree(self.logs_dir, ignore_errors=True)  # stdout/stderr of this run's processes only
        for d in (self.data_dir, self.work_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.litecost = litecost_command()
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("LITECOST_DB", "LITECOST_PRICING", "LITECOST_DEBUG")}
        self.env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.templates = None
        self.counter = 0
        self.results: dict = {
            "schema_version": RESULTS_SCHEMA_VERSION,
            "mode": "smoke" if args.smoke else "full",
            "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "finished_at": None,
            "config": {
                "runs": args.runs, "jsonl_sizes": args.sizes, "csv_sizes": args.csv_sizes, "store_rows": args.rows,
                "big": args.big, "big_size": args.big_size if args.big else None, "seed": args.seed,
                "pandas_max": args.pandas_max, "only": sorted(self.only),
            },
            "machine": machine_info(),
            "inputs": {},
            "benchmarks": [],
            "targets": [],
        }

    @property
    def only(self) -> set[str]:
        groups = {"help", "ingest", "csv", "bucket", "report", "reconcile"}
        return set(self.args.only.split(",")) & groups if self.args.only else groups

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def save(self) -> None:
        path = self.out_dir / "results.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.results, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)

    # -- processes ----------------------------------------------------------------------------

    def measure(self, label: str, cmd: list[str], runs: int, *, before=None, check=None,
                watch_dir: Path | None = None) -> dict:
        results = []
        for index in range(runs):
            if before:
                before()
            self.counter += 1
            stem = f"{self.counter:03d}-{label}"
            out, err = self.logs_dir / f"{stem}.out", self.logs_dir / f"{stem}.err"
            r = run_process(cmd, env=self.env, cwd=self.work_dir, out=out, err=err, timeout=self.args.timeout,
                            watch_dir=watch_dir)
            if r["exit_code"] != 0 or r.get("timed_out"):
                r["stderr_tail"] = _tail(err)
            elif check is not None:
                try:
                    r["check"] = check(out.read_text(encoding="utf-8", errors="replace"))
                except Exception as exc:  # a wrong result is a failed run
                    r["exit_code"] = -1
                    r["stderr_tail"] = f"check failed: {exc}"
            self.log(f"  {label} run {index + 1}/{runs}: {r['seconds']:.3f}s, peak RSS {r['peak_rss_mb']:.0f} MB"
                     + ("" if r["exit_code"] == 0 else f", FAILED (exit {r['exit_code']}): {r.get('stderr_tail', '')[-300:]}"))
            results.append(r)
            if r["exit_code"] != 0:
                break
            out.unlink(missing_ok=True)  # outputs can be large (pandas prints nothing big, reports are small)
        summary = summarize(results)
        summary["command"] = " ".join(cmd)
        return summary

    def baseline(self, what: str, *args: str) -> list[str]:
        return [sys.executable, str(BENCH / "baselines.py"), what, *args]

    def add(self, bench: dict) -> dict:
        self.results["benchmarks"].append(bench)
        self.save()
        return bench

    # -- inputs ---------------------------------------------------------------------------------

    def ensure_input(self, kind: str, size: int | None, rows: int | None = None, payload_bytes: int = 0) -> dict:
        suffix = {"jsonl": "jsonl", "csv": "csv", "parquet": "parquet"}[kind]
        amount = f"{rows}rows" if rows else str(size)
        payload = f"-p{payload_bytes}" if payload_bytes else ""
        name = f"{'callbacks' if kind == 'jsonl' else 'spendlogs'}-{amount}{payload}-s{self.args.seed}.{suffix}"
        path = self.data_dir / name
        meta_path = path.with_name(path.name + ".meta.json")
        if path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            if meta.get("generator_version") == generate.GENERATOR_VERSION and meta.get("bytes") == path.stat().st_size:
                self.log(f"reusing {path.name} ({meta['rows']:,} rows)")
                meta["reused"] = True
                self.results["inputs"][name] = meta
                return meta
        self.log(f"generating {path.name} ({f'{rows:,} rows' if rows else generate.human_size(size)}) ...")
        if self.templates is None:
            self.templates = generate.Templates()
        if kind == "jsonl":
            meta = generate.write_callbacks_jsonl(path, size=size, rows=rows, seed=self.args.seed, templates=self.templates,
                                                  payload_bytes=payload_bytes)
        elif kind == "parquet":  # the SpendLogs CSV, typed by DuckDB's sniffer, as Parquet
            csv_path = path.with_suffix(".csv.partial")
            generate.write_spendlogs_csv(csv_path, size=size, rows=rows, seed=self.args.seed, templates=self.templates,
                                         payload_bytes=payload_bytes)
            meta = generate.spendlogs_csv_to_parquet(csv_path, path)
            csv_path.unlink()
        else:
            meta = generate.write_spendlogs_csv(path, size=size, rows=rows, seed=self.args.seed, templates=self.templates,
                                                payload_bytes=payload_bytes)
        meta_path.write_text(json.dumps(meta))
        self.log(f"  {meta['rows']:,} rows, {generate.human_size(meta['bytes'])} in {meta['seconds']:.1f}s")
        self.results["inputs"][name] = meta
        return meta

    def drop_input(self, meta: dict) -> None:
        path = Path(meta["path"])
        if meta["bytes"] >= self.args.keep_below and not self.args.keep_data:
            self.log(f"deleting {path.name} ({generate.human_size(meta['bytes'])})")
            path.unlink(missing_ok=True)
            path.with_name(path.name + ".meta.json").unlink(missing_ok=True)

    def ensure_store(self, rows: int) -> dict:
        name = f"store-{rows}-s{self.args.seed}.duckdb"
        path = self.data_dir / name
        meta_path = path.with_name(path.name + ".meta.json")
        if path.exists() and meta_path.exists():
            meta = json.loads(meta_path.read_text())
            if meta.get("generator_version") == generate.GENERATOR_VERSION and meta.get("rows") == rows:
                self.log(f"reusing {name}")
                meta["reused"] = True
                meta["bytes"] = path.stat().st_size
                self.results["inputs"][name] = meta
                return meta
        self.log(f"building {name} ({rows:,} calls) ...")
        meta = generate.build_store(path, rows=rows, seed=self.args.seed, log=self.log)
        meta_path.write_text(json.dumps(meta))
        self.log(f"  {generate.human_size(meta['bytes'])} in {meta['seconds']:.1f}s")
        self.results["inputs"][name] = meta
        return meta

    # -- benchmarks -------------------------------------------------------------------------------

    def bench_help(self) -> None:
        runs = max(5, self.args.runs)
        cmd = self.litecost + ["--help"]
        main = self.measure("help", cmd, runs, check=lambda out: _expect("Usage" in out, "no usage text"))
        floor = self.measure("help-floor", [sys.executable, "-c", "pass"], runs)
        self.add(_paired("help", "litecost --help", main, floor, floor_what="bare `python -c pass` start-up",
                         group="help"))

    def _fresh_db(self, db: Path) -> None:
        for p in (db, db.with_name(db.name + ".wal")):
            p.unlink(missing_ok=True)
        shutil.rmtree(db.with_name(db.name + ".tmp"), ignore_errors=True)

    def bench_ingest(self, kind: str, size: int | None, runs: int, *, reingest: bool, rows: int | None = None,
                     payload_bytes: int = 0) -> None:
        meta = self.ensure_input(kind, size, rows, payload_bytes)
        by_rows = rows is not None
        path, rows, nbytes = meta["path"], meta["rows"], meta["bytes"]
        label = f"ingest-{kind}-{generate.human_size(nbytes).replace(' ', '')}"
        if payload_bytes and by_rows:
            label = f"ingest-{kind}-payload-{rows // 1000}k-rows-{generate.human_size(nbytes).replace(' ', '')}"
        elif payload_bytes:
            label = f"ingest-{kind}-payload-{generate.human_size(nbytes).replace(' ', '')}"
        db = self.work_dir / f"{label}.duckdb"
        cmd = self.litecost + ["--db", str(db), "ingest", path, "--format", "json"]
        firsts, agains, unchangeds, sizes = [], [], [], []

        def counts(out: str, inserted: int, duplicates: int) -> dict:
            doc = json.loads(out)
            got = {k: doc[k] for k in ("rows_read", "inserted", "duplicates", "rejected", "conflicts")}
            _expect(got["rows_read"] == rows and got["inserted"] == inserted and got["duplicates"] == duplicates
                    and got["rejected"] == 0, f"unexpected ingest counts {got} for {rows} rows")
            return got

        def skipped(out: str) -> dict:
            doc = json.loads(out)
            _expect(doc["skipped"] == 1 and doc["rows_read"] == 0, f"the unchanged file was not skipped: {doc}")
            return {"skipped": doc["skipped"]}

        for index in range(runs):
            self._fresh_db(db)
            first = self.measure(label, cmd, 1, check=lambda out: counts(out, rows, 0),
                                 watch_dir=db.with_name(db.name + ".tmp"))
            firsts += first["runs"]
            if first["status"] != "ok":
                break
            sizes.append(db.stat().st_size + (db.with_name(db.name + ".wal").stat().st_size
                                              if db.with_name(db.name + ".wal").exists() else 0))
            if reingest:
                unchanged = self.measure(f"unchanged-{label}", cmd, 1, check=skipped,
                                         watch_dir=db.with_name(db.name + ".tmp"))
                unchangeds += unchanged["runs"]
                again = self.measure(f"re{label}", cmd + ["--reread"], 1, check=lambda out: counts(out, 0, rows),
                                     watch_dir=db.with_name(db.name + ".tmp"))
                agains += again["runs"]
        self._fresh_db(db)
        first = summarize(firsts) | {"command": " ".join(cmd)}
        floor_kind = {"jsonl": "floor-jsonl", "csv": "floor-csv", "parquet": "floor-parquet"}[kind]
        floor = self.measure(f"{label}-floor", self.baseline(floor_kind, path), runs,
                             check=lambda out: _expect_rows(out, rows))
        what = {"jsonl": "callback JSONL", "csv": "SpendLogs CSV", "parquet": "SpendLogs Parquet"}[kind]
        bench = _paired(label, f"litecost ingest ({what})", first, floor, group="ingest", kind=kind,
                        floor_what=f"baselines.py {floor_kind}: DuckDB read with an explicit schema of the fields litecost needs")
        bench["input"] = {"path": path, "bytes": nbytes, "rows": rows, "payload_bytes": payload_bytes}
        if first["status"] == "ok":
            bench["throughput"] = {"rows_per_s": round(rows / first["median_s"]),
                                   "mb_per_s": round(nbytes / MB / first["median_s"], 1)}
            if sizes:
                bench["store_bytes"] = max(sizes)
                bench["store_bytes_per_million_calls"] = round(max(sizes) / rows * 1e6)
        if floor.get("status") == "ok":
            bench["floor"]["throughput"] = {"rows_per_s": round(rows / floor["median_s"]),
                                            "mb_per_s": round(nbytes / MB / floor["median_s"], 1)}
        stored = self.measure(f"{label}-floor-store", self.baseline(f"{floor_kind}-store", path), runs,
                              check=lambda out: _expect_rows(out, rows))
        bench["floor_with_write"] = _floor_entry(
            stored, f"baselines.py {floor_kind}-store: the same read, written into a new DuckDB file")
        if first["status"] == "ok" and stored.get("status") == "ok":
            bench["ratio_to_floor_with_write"] = round(first["median_s"] / stored["median_s"], 2)
        if kind == "csv":
            extra = self.measure(f"{label}-floor-json", self.baseline("floor-csv-json", path), runs,
                                 check=lambda out: _expect_rows(out, rows))
            bench["floor_with_metadata_parse"] = _floor_entry(
                extra, "baselines.py floor-csv-json: the same read plus one json_extract_string of the metadata fields")
            if first["status"] == "ok" and extra.get("status") == "ok":
                bench["ratio_to_floor_with_metadata_parse"] = round(first["median_s"] / extra["median_s"], 2)
        bench["pandas"] = self.pandas(kind, path, nbytes, rows)
        bench["polars"] = self.polars(kind, path, nbytes, rows)
        self.add(bench)
        if reingest:
            unchanged = summarize(unchangeds) | {"command": " ".join(cmd) + "   (same file again, unchanged: skipped)"}
            skip = _paired(f"unchanged-{label}", f"litecost ingest of the unchanged {what} (skipped)", unchanged, floor,
                           group="ingest", kind=kind, floor_what=f"baselines.py {floor_kind}")
            skip["input"] = bench["input"]
            if unchanged["status"] == "ok" and first["status"] == "ok":
                skip["ratio_to_first_ingest"] = round(unchanged["median_s"] / first["median_s"], 3)
            self.add(skip)
            if kind == "jsonl" and first["status"] == "ok":
                self.bench_grown(label, meta, first, floor, floor_kind)
            again = summarize(agains) | {"command": " ".join(cmd) + " --reread   (same file again: all duplicates)"}
            re = _paired(f"re{label}", f"litecost re-ingest ({what}, all duplicates)", again, floor, group="ingest",
                         kind=kind, floor_what=f"baselines.py {floor_kind}")
            re["input"] = bench["input"]
            if again["status"] == "ok" and first["status"] == "ok":
                re["ratio_to_first_ingest"] = round(again["median_s"] / first["median_s"], 2)
                re["throughput"] = {"rows_per_s": round(rows / again["median_s"]),
                                    "mb_per_s": round(nbytes / MB / again["median_s"], 1)}
            self.add(re)
        self.drop_input(meta)

    def bench_grown(self, label: str, meta: dict, first: dict, floor: dict, floor_kind: str) -> None:
        """A copy of the input, ingested, then grown by 1% (other calls, as a log grows) and
        ingested again: only the appended lines are read."""
        grown, extra = self.work_dir / f"grown-{label}.jsonl", self.work_dir / f"grown-{label}.extra.jsonl"
        db = self.work_dir / f"grown-{label}.duckdb"
        if self.templates is None:
            self.templates = generate.Templates()
        shutil.copyfile(meta["path"], grown)
        added = generate.write_callbacks_jsonl(extra, size=max(meta["bytes"] // 100, 10_000), seed=self.args.seed + 1,
                                               templates=self.templates)
        self._fresh_db(db)
        cmd = self.litecost + ["--db", str(db), "ingest", str(grown), "--format", "json"]

        def appended(out: str) -> dict:
            doc = json.loads(out)
            _expect(doc["rows_read"] == added["rows"] and doc["inserted"] == added["rows"]
                    and doc["files"][0]["first_byte"] == meta["bytes"], f"the appended lines were not read alone: {doc}")
            return {"rows_read": doc["rows_read"], "first_byte": doc["files"][0]["first_byte"]}

        def grow() -> None:
            subprocess.run(cmd, env=self.env, cwd=self.work_dir, check=True, capture_output=True)
            with open(grown, "ab") as out, open(extra, "rb") as more:
                shutil.copyfileobj(more, out)

        run = self.measure(f"grown-{label}", cmd, 1, before=grow, check=appended)
        bench = _paired(f"grown-{label}", "litecost ingest of the callback JSONL grown by 1% (appended lines only)",
                        run, floor, group="ingest", kind="jsonl",
                        floor_what=f"baselines.py {floor_kind} (of the file before it grew)")
        bench["input"] = {"path": str(grown), "bytes": meta["bytes"] + added["bytes"], "rows": meta["rows"] + added["rows"],
                          "appended_bytes": added["bytes"], "appended_rows": added["rows"]}
        if run["status"] == "ok":
            bench["ratio_to_first_ingest"] = round(run["median_s"] / first["median_s"], 3)
        self.add(bench)
        self._fresh_db(db)
        grown.unlink(missing_ok=True)
        extra.unlink(missing_ok=True)

    def pandas(self, kind: str, path: str, nbytes: int, rows: int) -> dict:
        if self.results["machine"].get("pandas") is None:
            return {"status": "skipped", "reason": "pandas is not installed in this Python"}
        if kind == "parquet":
            return {"status": "skipped", "reason": "no pandas comparison for Parquet"}
        if nbytes > self.args.pandas_max:
            return {"status": "skipped", "reason": f"input larger than --pandas-max {generate.human_size(self.args.pandas_max)}"
                    " (a straightforward pandas read of the whole file would take too long / too much memory)"}
        result = self.measure(f"pandas-{kind}", self.baseline(f"pandas-{kind}", path), self.args.pandas_runs,
                              check=lambda out: _expect_rows(out, rows))
        result["what"] = ("pd.read_json(lines=True) + json_normalize(metadata, hidden_params, cost_breakdown)"
                          if kind == "jsonl" else "pd.read_csv(usecols=needed) + json.loads(metadata, request_tags)")
        return result

    def bench_bucket(self, rows: int, runs: int) -> None:
        """A synced bucket of `rows` single-call files (generate.py bucket) against the same
        calls as one JSONL file (generate.py jsonl, same seed), each ingested into a new store."""
        root = self.data_dir / f"bucket-{rows}rows-s{self.args.seed}"
        meta_path = root.with_name(root.name + ".meta.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() and root.is_dir() else None
        if meta is None or meta.get("generator_version") != generate.GENERATOR_VERSION:
            shutil.rmtree(root, ignore_errors=True)
            self.log(f"generating {root.name} ({rows:,} files) ...")
            if self.templates is None:
                self.templates = generate.Templates()
            meta = generate.write_bucket_tree(root, rows=rows, seed=self.args.seed, templates=self.templates)
            meta_path.write_text(json.dumps(meta))
        lines = self.ensure_input("jsonl", None, rows)
        label = f"ingest-bucket-{rows // 1000}k-files"
        db = self.work_dir / f"{label}.duckdb"

        def stored_all(out: str) -> dict:
            doc = json.loads(out)
            _expect(doc["inserted"] == rows and doc["rejected"] == 0, f"unexpected ingest counts for {rows} calls: {doc}")
            return {"inserted": doc["inserted"], "files": sum(f["files"] for f in doc["files"])}

        fresh = lambda: self._fresh_db(db)  # noqa: E731
        bucket = self.measure(label, self.litecost + ["--db", str(db), "ingest", str(root), "--format", "json"], runs,
                              before=fresh, check=stored_all)
        one_file = self.measure(f"{label}-as-one-jsonl", self.litecost + ["--db", str(db), "ingest", lines["path"],
                                                                          "--format", "json"], runs,
                                before=fresh, check=stored_all)
        self._fresh_db(db)
        bench = _paired(label, f"litecost ingest of a synced bucket ({rows:,} single-call .json files)", bucket, one_file,
                        group="ingest", kind="bucket",
                        floor_what="litecost ingest of the same calls as one JSONL file (generate.py jsonl, same seed)")
        bench["input"] = {"path": str(root), "bytes": meta["bytes"], "rows": rows, "files": meta["files"]}
        self.add(bench)

    def polars(self, kind: str, path: str, nbytes: int, rows: int) -> dict:
        if kind != "jsonl":
            return {"status": "skipped", "reason": "the polars comparison is for callback JSON lines"}
        if nbytes > self.args.pandas_max:
            return {"status": "skipped", "reason": f"input larger than --pandas-max {generate.human_size(self.args.pandas_max)}"}
        result = self.measure(f"polars-{kind}", self.baseline(f"polars-{kind}", path), self.args.pandas_runs,
                              check=lambda out: _expect_rows(out, rows))
        result["what"] = "pl.scan_ndjson(schema=the fields litecost reads) + the same columns selected, collected"
        if result["status"] == "ok":
            result["throughput"] = {"rows_per_s": round(rows / result["median_s"]),
                                    "mb_per_s": round(nbytes / MB / result["median_s"], 1)}
        return result

    def bench_reports(self, store: dict) -> None:
        db = store["path"]
        variants = [
            ("report-tag", ["--by", "tag"], "tag"),
            ("report-team-model", ["--by", "team,model"], "team-model"),
            ("report-tag-even", ["--by", "tag", "--tag-split", "even"], "tag-even"),
        ]
        for label, by, floor_variant in variants:
            cmd = self.litecost + ["--db", db, "report", *by, "--period", PERIOD, "--format", "csv"]
            main = self.measure(label, cmd, self.args.runs, check=_report_rows)
            floor = self.measure(f"{label}-floor", self.baseline("floor-report", db, floor_variant), self.args.runs,
                                 check=lambda out: _expect(json.loads(out)["calls"] == store["rows"], "floor missed calls"))
            bench = _paired(label, "litecost report " + " ".join(by) + f" --period {PERIOD} --format csv", main, floor,
                            group="report", floor_what=f"baselines.py floor-report {floor_variant}: the plain"
                            " DuckDB aggregate (period filter, tag unnest, sums) without re-pricing")
            bench["input"] = {"path": db, "bytes": store["bytes"], "rows": store["rows"]}
            self.add(bench)

    def bench_reconcile(self, store: dict) -> None:
        probe = subprocess.run(self.litecost + ["reconcile", "--help"], capture_output=True, text=True, env=self.env,
                               cwd=self.work_dir)
        bench = {"name": "reconcile", "what": "litecost reconcile over the store", "group": "reconcile",
                 "input": {"path": store["path"], "bytes": store["bytes"], "rows": store["rows"],
                           "invoice_lines": store.get("invoice_lines")}}
        if probe.returncode != 0:
            bench.update(status="not built yet", note="`litecost reconcile --help` exits "
                         f"{probe.returncode}: the command does not exist in this litecost")
            self.add(bench)
            return
        ids = " ".join(str(i) for i in _invoice_file_ids(store["path"]))
        reconcile_args = self.args.reconcile_args.replace("{invoice_ids}", ids)
        cmd = self.litecost + ["--db", store["path"], "reconcile", *reconcile_args.split()]
        main = self.measure("reconcile", cmd, self.args.runs,
                            check=lambda out: _expect(len(out.strip().splitlines()) >= 2, "reconcile printed no rows"))
        floor = self.measure("reconcile-floor", self.baseline("floor-reconcile", store["path"]), self.args.runs)
        bench = _paired("reconcile", "litecost reconcile " + reconcile_args, main, floor, group="reconcile",
                        floor_what="baselines.py floor-reconcile: per provider/model/hour token and cost sums"
                        " over calls + invoice_lines aggregate") | {"input": bench["input"]}
        self.add(bench)

    # -- the whole run ---------------------------------------------------------------------------

    def run(self) -> dict:
        a = self.args
        self.log(f"litecost: {' '.join(self.litecost)}; results in {self.out_dir}")
        if "help" in self.only:
            self.bench_help()
        if "ingest" in self.only:
            for size in a.sizes:
                self.bench_ingest("jsonl", generate.parse_size(size), a.runs, reingest=True)
            if a.big:
                self.bench_ingest("jsonl", generate.parse_size(a.big_size), a.big_runs, reingest=a.big_reingest)
            if a.payload_size:  # LiteLLM's default: messages and responses logged
                self.bench_ingest("jsonl", generate.parse_size(a.payload_size), a.runs, reingest=False,
                                  payload_bytes=a.csv_payload)
        if "csv" in self.only:
            for size in a.csv_sizes:
                self.bench_ingest("csv", generate.parse_size(size), a.runs, reingest=False)
            for kind in a.rows_formats:
                for rows in a.csv_rows:
                    self.bench_ingest(kind, None, a.runs, reingest=a.csv_reingest, rows=rows, payload_bytes=a.csv_payload)
        if "bucket" in self.only:
            self.bench_bucket(a.bucket_rows, a.runs)
        if self.only & {"report", "reconcile"}:
            store = self.ensure_store(a.rows)
            self.results["store"] = {
                "rows": store["rows"], "bytes": store["bytes"],
                "bytes_per_million_calls": round(store["bytes"] / store["rows"] * 1e6),
                "build_seconds": store.get("seconds"), "invoice_lines": store.get("invoice_lines"),
                "note": "built directly in SQL by bench/generate.py (not through ingest)",
            }
            if "report" in self.only:
                self.bench_reports(store)
            if "reconcile" in self.only:
                self.bench_reconcile(store)
            if a.clean or (store["bytes"] >= a.keep_below and not a.keep_data):
                self.log(f"deleting {Path(store['path']).name} ({generate.human_size(store['bytes'])})")
                Path(store["path"]).unlink(missing_ok=True)
                Path(store["path"] + ".meta.json").unlink(missing_ok=True)
        self.results["targets"] = evaluate_targets(self.results)
        self.results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        self.save()
        table = markdown(self.results)
        (self.out_dir / "results.md").write_text(table, encoding="utf-8")
        if a.clean:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        return self.results


# -- results ---------------------------------------------------------------------------------------


def _invoice_file_ids(db: str) -> list[int]:
    import duckdb

    con = duckdb.connect(db, read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT invoice_file_id FROM invoice_files WHERE superseded_by IS NULL ORDER BY 1").fetchall()]
    finally:
        con.close()


def _expect(condition: bool, message: str) -> bool:
    if not condition:
        raise AssertionError(message)
    return True


def _expect_rows(out: str, rows: int) -> dict:
    doc = json.loads(out.strip().splitlines()[-1])
    _expect(doc["rows"] == rows, f"read {doc['rows']} rows, expected {rows}")
    return doc


def _report_rows(out: str) -> dict:
    lines = [line for line in out.splitlines() if line.strip()]
    _expect(len(lines) >= 3 and lines[-1].startswith("(total)"), "report output has no rows / no totals row")
    return {"rows": len(lines) - 2}


def _floor_entry(floor: dict, what: str) -> dict:
    entry = {k: floor.get(k) for k in ("status", "median_s", "min_s", "peak_rss_mb", "n", "command")}
    entry["what"] = what
    entry["runs"] = floor.get("runs")
    return entry


def _paired(name: str, what: str, main: dict, floor: dict, *, group: str, floor_what: str, kind: str | None = None) -> dict:
    bench = {"name": name, "what": what, "group": group, **main, "floor": _floor_entry(floor, floor_what)}
    if kind:
        bench["kind"] = kind
    if main.get("status") == "ok" and floor.get("status") == "ok" and floor["median_s"]:
        bench["ratio_to_floor"] = round(main["median_s"] / floor["median_s"], 2)
    return bench


def _target(name: str, value, met, detail: str) -> dict:
    return {"name": name, "target": TARGETS[name], "value": value, "met": met, "detail": detail}


def _against_first_ingest(benches: list[dict], target: str, prefix: str, limit: float, describe) -> dict:  # noqa: ANN001
    """The target that the benchmarks named `prefix…` take at most `limit` times their file's
    first ingest (the worst of them counts)."""
    measured = [b for b in benches if b["name"].startswith(prefix) and b.get("status") == "ok" and "ratio_to_first_ingest" in b]
    if not measured:
        return _target(target, None, None, "not measured")
    worst = max(measured, key=lambda b: b["ratio_to_first_ingest"])
    return _target(target, worst["ratio_to_first_ingest"], all(b["ratio_to_first_ingest"] <= limit for b in measured),
                   "; ".join(f"{describe(b)}, {b['ratio_to_first_ingest']}x first ingest" for b in measured))


def evaluate_targets(results: dict) -> list[dict]:
    benches = [b for b in results["benchmarks"]]
    ok = lambda b: b.get("status") == "ok"  # noqa: E731
    smoke = results["mode"] == "smoke"
    out = []

    first_ingests = [b for b in benches if b["group"] == "ingest" and b.get("kind") == "jsonl"
                     and not b["name"].startswith(("re", "unchanged-", "grown-")) and ok(b)]
    jsonl = sorted([b for b in first_ingests if not b["input"].get("payload_bytes")], key=lambda b: b["input"]["bytes"])
    ref = next((b for b in jsonl if b["input"]["bytes"] >= 0.9e9), jsonl[-1] if jsonl else None)
    if ref and "ratio_to_floor" in ref:
        t = ref["throughput"]
        out.append(_target("ingest_callbacks_vs_floor", ref["ratio_to_floor"], ref["ratio_to_floor"] <= 2.0,
                           f"{ref['name']}: {ref['median_s']:.2f}s vs floor {ref['floor']['median_s']:.2f}s; "
                           f"{t['rows_per_s']:,} rows/s, {t['mb_per_s']} MB/s"
                           + (" (smoke size, not the 1 GB target)" if ref["input"]["bytes"] < 0.9e9 else "")))
    else:
        out.append(_target("ingest_callbacks_vs_floor", None, None, "not measured"))

    payloads = sorted([b for b in first_ingests if b["input"].get("payload_bytes") and "ratio_to_floor" in b],
                      key=lambda b: b["input"]["bytes"])
    if payloads:
        ref = next((b for b in payloads if b["input"]["bytes"] >= 0.9e9), payloads[-1])
        ratio, t = ref["ratio_to_floor"], ref["throughput"]
        out.append(_target("payload_jsonl_vs_floor", ratio, ratio <= 2.0,
                           f"{ref['name']}: {ref['median_s']:.2f}s vs floor {ref['floor']['median_s']:.2f}s"
                           f" ({'within' if ratio <= 3.0 else 'beyond'} the 3x bar); {t['rows_per_s']:,} calls/s, {t['mb_per_s']} MB/s"
                           + (" (smoke size, not the 1 GB target)" if ref["input"]["bytes"] < 0.9e9 else "")))
    else:
        out.append(_target("payload_jsonl_vs_floor", None, None, "not measured"))

    out.append(_against_first_ingest(benches, "unchanged_vs_ingest", "unchanged-", 0.05,
                                     lambda b: f"{b['name']}: {b['median_s']:.3f}s"))

    buckets = [b for b in benches if b.get("kind") == "bucket" and ok(b) and b.get("ratio_to_floor")]
    if buckets:
        largest = max(buckets, key=lambda b: b["input"]["rows"])
        out.append(_target("bucket_vs_jsonl", largest["ratio_to_floor"], largest["ratio_to_floor"] <= 3.0,
                           f"{largest['name']}: {largest['median_s']:.2f}s vs {largest['floor']['median_s']:.2f}s as one JSONL"
                           + (" (smoke size, not the 100,000 files of the target)" if largest["input"]["rows"] < 100_000 else "")))
    else:
        out.append(_target("bucket_vs_jsonl", None, None, "not measured"))

    out.append(_against_first_ingest(
        benches, "grown_vs_ingest", "grown-", 0.05,
        lambda b: f"{b['name']}: {b['input']['appended_rows']:,} appended rows in {b['median_s']:.3f}s"))
    out.append(_against_first_ingest(benches, "reingest_vs_ingest", "reingest", 1.0, lambda b: b["name"]))

    ingests = sorted([b for b in benches if b["group"] == "ingest" and not b["name"].startswith(("re", "unchanged-", "grown-")) and ok(b)
                      and b.get("kind") == "jsonl" and not b["input"].get("payload_bytes")], key=lambda b: b["input"]["bytes"])
    if ingests:
        largest = ingests[-1]
        detail = "; ".join(f"{generate.human_size(b['input']['bytes'])}: {b['peak_rss_mb']:.0f} MB" for b in ingests)
        big = largest["input"]["bytes"] >= 4.5e9
        # "Bounded, independent of input size": at every size the peak stays within DuckDB's
        # memory limit (litecost's, MEMORY_LIMIT_MB) plus 512 MB for Python and allocations
        # DuckDB does not count; beyond that DuckDB spills to disk instead of growing.
        ref = next((b for b in reversed(ingests[:-1]) if b["input"]["bytes"] >= 0.5e9), None)
        bounded = all(b["peak_rss_mb"] <= MEMORY_LIMIT_MB + 512 for b in ingests)
        met = (largest["peak_rss_mb"] < 2048 and bounded) if big else None
        spill = "; ".join(f"{generate.human_size(b['input']['bytes'])}: {b['peak_spill_mb']:,.0f} MB"
                          for b in ingests if b.get("peak_spill_mb"))
        out.append(_target("ingest_peak_memory", largest["peak_rss_mb"], met,
                           f"peak RSS by input size: {detail}"
                           + (f" ({largest['peak_rss_mb'] / ref['peak_rss_mb']:.2f}x the 1 GB peak)" if ref else "")
                           + f"; limit checked at every size: {MEMORY_LIMIT_MB} MB DuckDB limit + 512 MB"
                           + (f"; DuckDB spill directory peak: {spill}" if spill else "")
                           + ("" if big else " (no 5 GB run: run with --big for the target)")))
    else:
        out.append(_target("ingest_peak_memory", None, None, "not measured"))

    tag = next((b for b in benches if b["name"] == "report-tag"), None)
    if tag and ok(tag):
        full = tag["input"]["rows"] >= 10_000_000
        out.append(_target("report_by_tag", tag["median_s"], tag["median_s"] <= 1.5 if full else None,
                           f"{tag['input']['rows']:,} calls; floor {tag['floor']['median_s']}s"
                           + ("" if full else " (smaller store than the 10M target)")))
    else:
        out.append(_target("report_by_tag", None, None, "not measured" if not tag else "failed"))

    rec = next((b for b in benches if b["name"] == "reconcile"), None)
    if rec and ok(rec):
        full = rec["input"]["rows"] >= 10_000_000
        out.append(_target("reconcile", rec["median_s"], rec["median_s"] <= 3.0 if full else None,
                           f"{rec['input']['rows']:,} calls" + ("" if full else " (smaller store than the 10M target)")))
    else:
        out.append(_target("reconcile", None, None, rec.get("status", "failed") if rec else "not measured"))

    hb = next((b for b in benches if b["name"] == "help"), None)
    if hb and ok(hb):
        out.append(_target("help", hb["median_s"], hb["median_s"] <= 0.3,
                           f"python start-up alone {hb['floor']['median_s']}s"))
    else:
        out.append(_target("help", None, None, "not measured"))

    store = results.get("store")
    sized = [b for b in benches if "store_bytes_per_million_calls" in b]
    parts = []
    if store:
        parts.append(f"SQL-built {store['rows']:,}-call store: {store['bytes_per_million_calls'] / MB:.0f} MB per million calls")
    for b in sized:
        parts.append(f"after {b['name']}: {b['store_bytes_per_million_calls'] / MB:.0f} MB per million calls")
    value = store["bytes_per_million_calls"] if store else (sized[0]["store_bytes_per_million_calls"] if sized else None)
    out.append(_target("store_size", value, None, "; ".join(parts) or "not measured"))
    if smoke:
        for t in out:
            t["detail"] += " [smoke run: sizes far below the targets]"
    return out


def _fmt_s(value) -> str:
    return "–" if value is None else (f"{value:.3f} s" if value < 10 else f"{value:.1f} s")


def markdown(results: dict) -> str:
    lines = [
        "| benchmark | input | rows | median (min–max) | floor | ratio | peak RSS | throughput | pandas | polars |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for b in results["benchmarks"]:
        inp = b.get("input") or {}
        size = generate.human_size(inp["bytes"]) if inp.get("bytes") else "–"
        if b["name"].startswith("report") or b["name"] == "reconcile":
            size = f"store {size}"
        rows = f"{inp['rows']:,}" if inp.get("rows") else "–"
        if b.get("status") != "ok":
            lines.append(f"| {b['name']} | {size} | {rows} | {b.get('status')} | | | | | | |")
            continue
        floor = b.get("floor", {})
        ratio = b.get("ratio_to_floor")
        extra = ""
        if "ratio_to_first_ingest" in b:
            extra = f" ({b['ratio_to_first_ingest']}× first ingest)"
        floor_rss = f" (floor {floor['peak_rss_mb']:.0f} MB)" if floor.get("peak_rss_mb") else ""
        spread = f" ({b['min_s']:.3g}–{b['max_s']:.3g})" if b.get("n", 1) > 1 else ""
        tp = b.get("throughput")
        tp_text = f"{tp['rows_per_s']:,} rows/s, {tp['mb_per_s']} MB/s" if tp else ""
        compared = []
        for other in (b.get("pandas"), b.get("polars")):
            if other and other.get("status") == "ok":
                compared.append(f"{_fmt_s(other['median_s'])}, {other['peak_rss_mb']:.0f} MB")
            else:
                compared.append(other.get("status", "") if other else "")
        lines.append(
            f"| {b['name']} | {size} | {rows} | {_fmt_s(b['median_s'])}{spread}{extra} | {_fmt_s(floor.get('median_s'))} "
            f"| {'' if ratio is None else f'{ratio}×'} | {b['peak_rss_mb']:.0f} MB{floor_rss} | {tp_text} | {compared[0]} | {compared[1]} |"
        )
    stored = [b for b in results["benchmarks"] if b.get("floor_with_write", {}).get("median_s")]
    if stored:
        lines += ["", "| ingest | read floor | read + write floor | ratio to read + write floor |", "|---|---:|---:|---:|"]
        for b in stored:
            lines.append(
                f"| {b['name']} | {_fmt_s(b['floor'].get('median_s'))} | {_fmt_s(b['floor_with_write']['median_s'])}"
                f" | {b.get('ratio_to_floor_with_write', '–')}× |"
            )
    lines += ["", "| target | value | met | detail |", "|---|---:|---|---|"]
    for t in results["targets"]:
        met = {True: "yes", False: "**NO**", None: "–"}[t["met"]]
        lines.append(f"| {t['target']} | {t['value'] if t['value'] is not None else '–'} | {met} | {t['detail']} |")
    return "\n".join(lines) + "\n"


# -- command line ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="litecost benchmark harness (see bench/README.md)")
    p.add_argument("--smoke", action="store_true", help="tiny sizes, one run (CI): 10MB JSONL, 2MB CSV, 20k-call store")
    p.add_argument("--rows", type=int, help="calls in the SQL-built store for report/reconcile [10,000,000]")
    p.add_argument("--sizes", nargs="+", help="callback JSONL sizes to ingest [10MB 1GB]")
    p.add_argument("--csv-sizes", nargs="+", help="SpendLogs CSV sizes to ingest [1GB]")
    p.add_argument("--csv-rows", nargs="+", type=int, default=[],
                   help="also ingest payload-bearing SpendLogs CSVs of these row counts, e.g. 100000 1000000")
    p.add_argument("--csv-payload", type=generate.parse_size, default=generate.parse_size("7KB"),
                   help="stored prompt + answer bytes per row of the --csv-rows files [7KB: ~11 KB rows]")
    p.add_argument("--csv-reingest", action="store_true", help="ingest each --csv-rows file twice into the same store")
    p.add_argument("--rows-formats", type=lambda t: t.split(","), default=["csv"],
                   help="formats of the --csv-rows files: csv,jsonl,parquet (callback JSON lines and a Parquet"
                        " SpendLogs export of the same calls) [csv]")
    p.add_argument("--runs", type=int, help="runs per figure; the median is reported [3]")
    p.add_argument("--payload-size", help="size of the payload-bearing callback JSONL (--csv-payload bytes of"
                   " messages + response per line) the ingest benchmark also reads; 0: none [1GB]")
    p.add_argument("--big", action="store_true", help="also ingest a --big-size JSONL, for peak memory")
    p.add_argument("--big-size", default="5GB")
    p.add_argument("--big-runs", type=int, default=1)
    p.add_argument("--big-reingest", action="store_true", help="also re-ingest the big file")
    p.add_argument("--pandas-max", default="1.1GB", help="largest input the pandas comparison runs on [1.1GB]")
    p.add_argument("--pandas-runs", type=int, default=1)
    p.add_argument("--reconcile-args", default=f"{{invoice_ids}} --period {PERIOD} --format csv",
                   help="arguments after `litecost --db STORE reconcile`; {invoice_ids} is replaced by the ids of"
                        " the store's invoice files [%(default)s]")
    p.add_argument("--bucket-rows", type=int, help="calls (= files) in the synced-bucket benchmark [100,000]")
    p.add_argument("--only", help="comma-separated subset of: help,ingest,csv,bucket,report,reconcile")
    p.add_argument("--out-dir", type=Path, default=BENCH / "out")
    p.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    p.add_argument("--timeout", type=float, default=3600, help="seconds before one process is killed")
    p.add_argument("--keep-data", action="store_true",
                   help="keep generated inputs of 2 GB and more (the 5 GB JSONL, the 10M-call store) for the next run")
    p.add_argument("--clean", action="store_true", help="delete every generated input and the store at the end")
    a = p.parse_args(argv)
    if a.smoke:
        a.rows = a.rows or 20_000
        a.sizes = a.sizes or ["10MB"]
        a.csv_sizes = a.csv_sizes or ["2MB"]
        a.bucket_rows = a.bucket_rows or 2_000
        a.payload_size = a.payload_size or "2MB"
        a.runs = a.runs or 1
    else:
        a.rows = a.rows or 10_000_000
        a.sizes = a.sizes or ["10MB", "1GB"]
        a.csv_sizes = a.csv_sizes or ["1GB"]
        a.bucket_rows = a.bucket_rows or 100_000
        a.payload_size = a.payload_size or "1GB"
        a.runs = a.runs or 3
    a.payload_size = None if a.payload_size in ("0", "") else a.payload_size
    a.pandas_max = generate.parse_size(a.pandas_max)
    a.keep_below = generate.parse_size("2GB")
    return a


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--render"]:  # re-print the tables of an existing results.json
        results = json.loads(Path(argv[1] if len(argv) > 1 else BENCH / "out" / "results.json").read_text())
        results["targets"] = evaluate_targets(results)  # with the current rules
        print(markdown(results))
        return 0
    args = parse_args(argv)
    harness = Harness(args)
    results = harness.run()
    print(markdown(results))
    failed = [b["name"] for b in results["benchmarks"] if b.get("status") == "failed"]
    if failed:
        print(f"failed: {', '.join(failed)} (see {harness.logs_dir})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Tables as people see them: `litecost` in a real pseudo-terminal at 80, 120 and 200
columns. Every dimension value, category and status appears whole on one line, nothing
ends in `…`, and no line is wider than the terminal."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
BILLS = [SAMPLE / "invoices" / name for name in (
    "openai_costs_2026-10.csv", "anthropic_cost_report_2026-10.json", "anthropic_usage_report_2026-10.json",
    "azure_actualcost_2026-10.csv", "aws_cur2_bedrock_2026-10.csv", "gcp_billing_2026-10.csv")]
LITECOST = [sys.executable, "-m", "litecost"]


def in_terminal(columns: int, *args: str) -> str:
    """Run litecost with stdout and stderr on a pty of `columns` x 50; its screen text."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", NO_COLOR="1")
    process = subprocess.Popen([*LITECOST, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert process.wait(timeout=60) == 0, out.decode(errors="replace")
    return re.sub(r"\x1b\[[0-9;]*m", "", out.decode()).replace("\r\n", "\n")  # styles, not text


def piped(*args: str) -> str:
    run = subprocess.run([*LITECOST, *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("terminal") / "sample.duckdb")
    piped("--db", db, "ingest", str(SAMPLE / "spendlogs_2026-10.csv"))
    piped("--db", db, "invoices", "import", *map(str, BILLS))
    return db


def _table_lines(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if not line.startswith(("litecost:", "note:"))]


def _folded(lines: list[str], value: str) -> bool:
    """Whether `value` is shown folded: its start at the end of one cell, the rest in the
    same place on the lines below (the last resort when the kept columns cannot fit)."""
    for number, line in enumerate(lines):
        start = line.find(value[:8])
        while start >= 0:
            rest, row = value, number
            while row < len(lines) and rest:
                cell = lines[row][start:].split(" ", 1)[0]
                if not cell or not rest.startswith(cell):
                    break
                rest, row = rest[len(cell):], row + 1
            if not rest:
                return True
            start = line.find(value[:8], start + 1)
    return False


def _assert_shown_whole(screen: str, columns: int, values: set[str]) -> None:
    lines = _table_lines(screen)
    assert max(len(line.rstrip()) for line in lines) <= columns
    assert "…" not in screen
    for value in values:
        # On one line, unless the dimension values alone are wider than the terminal
        # allows (a 64-digit key hash beside a provider at 80 columns): then folded whole.
        whole = any(value in line for line in lines) or (len(value) > columns // 2 and _folded(lines, value))
        assert whole, f"{value!r} not shown whole at {columns} columns"


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("by", ["tag", "key,provider"])
def test_report_dimension_values_are_never_cut(sample_db, columns, by):
    args = ["--db", sample_db, "report", "--by", by, "--period", "2026-10"]
    rows = list(csv.DictReader(io.StringIO(piped(*args, "--format", "csv"))))
    values = {row[d] for row in rows for d in by.split(",")}
    assert values and len(rows) > 5
    screen = in_terminal(columns, *args)
    _assert_shown_whole(screen, columns, values)
    assert "re-priced" in screen and "83.53" in screen  # the cost column always stays
    if columns >= 120:
        assert "requests" in screen and "share" in screen


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("basis", ["repriced", "invoice"])
def test_the_spend_chart_fits_the_terminal(sample_db, columns, basis):
    """`report --chart` (plotext) draws every day within the terminal's width."""
    screen = in_terminal(columns, "--db", sample_db, "report", "--by", "team", "--period", "2026-10", "--chart",
                         "--basis", basis)
    title = "invoice-basis spend per day, USD" if basis == "invoice" else "re-priced spend per day, USD"
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if title in line)
    chart = lines[start:start + 17]
    assert all(len(line.rstrip()) <= columns for line in chart), "\n".join(chart)
    assert chart[1].lstrip().startswith("┌") and any(line.lstrip().startswith("└") for line in chart)
    assert "10-01" in chart[-1] and ("10-31" in chart[-1] or "10-29" in chart[-1])
    assert sum(line.count("█") for line in chart) > 100  # the bars, not an empty frame
    peak = "5.4" if basis == "invoice" else "5.5"  # Oct 19, the busiest day
    assert any(line.startswith(peak) for line in chart)


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120, 200])
@pytest.mark.parametrize("grain", ["period", "day"])
def test_reconcile_keys_and_statuses_are_never_cut(sample_db, columns, grain):
    args = ["--db", sample_db, "reconcile", *map(str, BILLS), "--grain", grain]
    doc = json.loads(piped(*args, "--format", "json"))
    values = {r[k] for r in doc["rows"] for k in ("provider", "model", "category", "status") if r[k]}
    assert {"cache_write_5m", "cache_write_1h", "price_mismatch", "non_token_charge"} <= values
    screen = in_terminal(columns, *args)
    _assert_shown_whole(screen, columns, values)
    # Explanations are sentences under the table, one per row that needs one.
    explained = [r for r in doc["rows"] if r["status"] != "matched" and r["explanation"]]
    below = screen.split("Explanations\n", 1)[1]
    assert below.count("\n- ") + below.startswith("- ") == len(explained)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="the in-file estimate reads Linux's /proc/self/io")
def test_ingest_progress_advances_by_bytes_within_one_large_file(tmp_path):
    big = tmp_path / "month.jsonl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "jsonl", str(big), "--bytes", "300MB"],
                   check=True, capture_output=True)
    screen = in_terminal(100, "--db", str(tmp_path / "p.duckdb"), "ingest", str(big))
    shown = [int(p) for p in re.findall(r"(\d+)%", screen)]
    assert shown == sorted(shown) and shown[-1] == 100
    assert [p for p in shown if 0 < p < 100], f"the bar never moved inside the file: {shown}"
    assert "MB" in screen  # bytes done of bytes in all
    assert " left " in screen  # the time left, never a wild guess from the first sample
    assert all(hours == "0" for hours in re.findall(r" left (\d+):\d\d:\d\d", screen)), screen[-2000:]
    # Then one line with the rate and the peak memory against the limit.
    assert re.search(r"litecost: read 0\.3 GB in [0-9.]+ s \([0-9,]+ MB/s\), peak memory [0-9.]+ GB within the memory limit of ", screen)


@pytest.mark.slow
def test_detecting_a_synced_bucket_shows_its_files_counted_on_a_terminal_only(tmp_path):
    bucket = tmp_path / "litellm-logs"
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "bucket", str(bucket), "--rows", "10000"],
                   check=True, capture_output=True)
    screen = in_terminal(80, "--db", str(tmp_path / "t.duckdb"), "ingest", str(bucket), "--format", "json")
    counted = [int(n) for n in re.findall(r"detecting .*? (\d+)/10000 files", screen)]
    # Drawn ten times a second: which of the counts (every 2,000 files) show depends on the clock.
    assert counted == sorted(counted) and set(counted) <= set(range(0, 10001, 2000)), screen[:2000]
    assert set(counted) - {0, 10000}, f"the count never moved: {counted}"
    assert "10,000 files" in screen  # then the one line that names the bundle
    piped_run = subprocess.run([*LITECOST, "--db", str(tmp_path / "p.duckdb"), "ingest", str(bucket)],
                               capture_output=True, text=True, timeout=120)
    assert piped_run.returncode == 0 and "/10000 files" not in piped_run.stderr

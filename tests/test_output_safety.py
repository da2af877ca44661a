"""Outputs are safe to open (issue 21): no CSV cell a spreadsheet would run, no CSV row
split by a CR, no markdown table broken by `|` or a line break, no rich markup parsed
from data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import slp, write_jsonl
from litecost.cli.render import Column, to_csv, to_markdown

LITECOST = [sys.executable, "-m", "litecost"]
HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", " =HYPERLINK(\"x\")", "\t=1", "\r=1", "a\r=cmd|' /C calc'!A0",
           "pipe|cell", "line\nbreak", "[/bold]", "[red]x[/red]", "back\\slash|"]


def _spreadsheet_would_run(cell: str) -> bool:
    return cell.lstrip(" \t\r\n").startswith(("=", "+", "-", "@")) or cell.startswith(("\t", "\r"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@ \t\r\n|ab,\"'1[]/"), max_size=12), min_size=1, max_size=4))
def test_csv_cells_never_run_and_rows_never_split(values):
    columns = [Column(f"c{i}") for i in range(len(values))]
    text = to_csv([{f"c{i}": v for i, v in enumerate(values)}], columns)
    # The file as a spreadsheet splits it: at every CR or LF outside quotes.
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 2
    cells = rows[1]
    assert all(c == v or c == "'" + v for c, v in zip(cells, values, strict=True))
    assert not [c for c in cells if _spreadsheet_would_run(c)]


@given(st.text(alphabet=st.sampled_from("|\\\n\rab "), max_size=10))
def test_markdown_rows_keep_their_cells(value):
    text = to_markdown([{"a": value, "b": "x"}], [Column("a"), Column("b")])
    lines = text.splitlines()
    assert len(lines) == 3
    # Cells are split at pipes that are not escaped (GFM).
    row = lines[2]
    unescaped = 0
    i = 0
    while i < len(row):
        if row[i] == "\\":
            i += 2
            continue
        unescaped += row[i] == "|"
        i += 1
    assert unescaped == 3


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    records = [slp(f"r{i}", model=f"gpt {v}", request_tags=[f"team:{v}", v])
               for i, v in enumerate(HOSTILE)]
    (tmp / "hostile [").mkdir()  # the file name holds `[/x] [red]`
    path = write_jsonl(tmp / "hostile [" / "x] [red].jsonl", records)
    db = tmp / "h.duckdb"
    done = subprocess.run([*LITECOST, "--db", db, "ingest", path], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return db


def run(db, *args):
    done = subprocess.run([*LITECOST, "--db", db, *map(str, args)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("by", ["tag", "tag:team", "model"])
def test_report_csv_is_guarded(hostile_db, by):
    for extra in ((), ("--compare", "previous", "--period", "2026-09"), ("--tag-split", "even")):
        if extra and by == "model" and extra[0] == "--tag-split":
            continue
        text = run(hostile_db, "report", "--by", by, "--format", "csv", *extra)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == len(text.split("\n")) - 1 - sum(c.count("\n") for r in rows for c in r)
        assert not [c for r in rows for c in r if _spreadsheet_would_run(c)], by


def test_tables_show_markup_as_text(hostile_db):
    for args in (("report", "--by", "tag"), ("report", "--by", "model"), ("db", "ingests")):
        done = subprocess.run([*LITECOST, "--db", hostile_db, *args, "--format", "table"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    assert "[/bold]" in run(hostile_db, "report", "--by", "tag", "--format", "table")
    assert "hostile [/x] [red].jsonl" in run(hostile_db, "db", "ingests", "--format", "table")


def test_markdown_report_keeps_its_shape(hostile_db):
    text = run(hostile_db, "report", "--by", "tag", "--format", "markdown")
    table = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table) == 2 + len(json.loads(run(hostile_db, "report", "--by", "tag", "--format", "json"))["rows"]) + 1

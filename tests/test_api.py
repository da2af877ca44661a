"""The Python API: the README's example runs, and it agrees with the CLI."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

import litecost
from litecost.cli.render import to_json_document
from litecost.errors import UsageError

REPO = Path(__file__).resolve().parent.parent
SPENDLOGS = REPO / "sample_data" / "spendlogs_2026-10.csv"


def _readme_example() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Python API"):readme.index("## Guarantees")]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.fixture
def month(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(SPENDLOGS, tmp_path / SPENDLOGS.name)
    return tmp_path


def test_the_readme_example_runs_on_the_sample_month(month, capsys):
    exec(compile(_readme_example(), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "(total)" in out and "Platform" in out and "gpt-4o-mini" in out
    with litecost.open(month / "litecost.duckdb") as lc:
        assert lc.report(by="team", period="2026-10").totals["requests"] == 2500


def test_the_api_and_the_cli_give_the_same_figures(month, cli):
    with litecost.open(month / "api.duckdb") as lc:
        ingested = lc.ingest(SPENDLOGS.name)
        again = lc.ingest(SPENDLOGS.name)  # unchanged: skipped
        reread = lc.ingest(SPENDLOGS.name, reread=True)
        report = lc.report(by=["team", "model"], period="2026-10", compare="previous")
        calls = lc.priced_calls(period="2026-10")
    assert (ingested.total("inserted"), again.total("rows_read"), [f.ingest_id for f in again.skipped]) == (2500, 0, [1])
    assert (reread.total("inserted"), reread.total("duplicates"), reread.skipped) == (0, 2500, [])

    assert cli("ingest", SPENDLOGS).exit_code == 0
    printed = cli("report", "--by", "team,model", "--period", "2026-10", "--compare", "previous", "--format", "json").json()
    assert json.loads(to_json_document(report.to_document()), parse_float=Decimal) == printed

    frame = report.to_polars(totals=True)
    assert frame.schema["repriced_cost"] == pl.Decimal(38, 18) and frame.height == len(report.rows) + 1
    assert frame.filter(pl.col("team") == "(total)")["repriced_cost"].item() == report.totals["repriced_cost"]
    # Per call and per group, the same re-pricing to the last digit.
    assert calls.height == 2500 and calls["repriced_cost"].sum() == report.totals["repriced_cost"]


def test_bad_arguments_are_the_cli_s_one_line_errors(month):
    with litecost.open(month / "x.duckdb") as lc:
        with pytest.raises(UsageError, match="is not a dimension"):
            lc.report(by="colour")
        with pytest.raises(UsageError, match="needs a --period"):
            lc.report(by="team", compare="previous")
        assert lc.report(by="team").rows == []


def test_reconcile_through_the_api_is_the_cli_s_reconciliation(month, cli):
    bill = REPO / "sample_data" / "invoices" / "openai_costs_2026-10.csv"
    with litecost.open(month / "api.duckdb") as lc:
        lc.ingest(SPENDLOGS.name)
        result = lc.reconcile(bill, period="2026-10", grain="day")
        again = lc.reconcile(1, period="2026-10", grain="day")  # the bill, now stored as invoice file 1
        with pytest.raises(UsageError, match="no imported invoice file with id 9"):
            lc.reconcile(9, period="2026-10")
        with pytest.raises(UsageError, match="--rate EUR .0. must be a number above 0"):
            lc.reconcile(1, rates={"EUR": "0"})
    assert cli("ingest", SPENDLOGS).exit_code == 0
    printed = cli("reconcile", bill, "--period", "2026-10", "--grain", "day", "--format", "json").json()
    document = json.loads(to_json_document(result.to_document()), parse_float=Decimal)
    assert document["rows"] == printed["rows"] and document["summary"] == printed["summary"]
    assert again.to_document()["rows"] == result.to_document()["rows"]
    frame = result.to_polars()
    assert frame.height == len(printed["rows"]) and "day" in frame.columns
    assert frame["delta_amount"].sum() == sum(r["delta_amount"] for r in result.rows)

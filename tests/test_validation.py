"""Numbers and dates that cannot be right are refused in one line (issue 21): rates,
prices and dates out of range, overlapping effective ranges; nothing is computed with
them and nothing ends in exit 70."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import DATA, assert_one_line_error

LITECOST = [sys.executable, "-m", "litecost"]
BILL = DATA / "billing" / "openai_dashboard_costs_synthetic.csv"


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([*LITECOST, *map(str, args)], capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("v") / "v.duckdb"
    assert run("--db", path, "ingest", DATA / "spendlogs.jsonl").returncode == 0
    return path


@pytest.mark.parametrize("rate", ["EUR=0", "EUR=-1", "EUR=1e400", "EUR=nan", "EUR=inf", "E'R=1.1", "=1.1"])
def test_rates_must_be_positive_finite_and_plausible(db, rate):
    line = assert_one_line_error(run("--db", db, "reconcile", "--rate", rate, BILL), 2)
    assert "--rate" in line


@pytest.mark.parametrize("value,words", [
    ("1E+300", "above the 1 litecost accepts"),
    ("1E+24", "above the 1 litecost accepts"),
    ("-1", "must be a number ≥ 0"),
    (".nan", "must be a number ≥ 0"),
])
def test_override_prices_out_of_range(db, tmp_path, value, words):
    path = tmp_path / "p.yaml"
    path.write_text(f"unit: usd_per_1m_tokens\nmodels:\n  - model: gpt-4o\n    prices:\n      input: {value}\n")
    line = assert_one_line_error(run("--db", db, "report", "--by", "model", "--pricing", path), 3)
    assert f"{path}:5:14:" in line and words in line


@pytest.mark.parametrize("date", ["0000-01-01", "2026-13-01", "2026-02-30", "99999-01-01"])
def test_override_dates_out_of_range(db, tmp_path, date):
    path = tmp_path / "d.yaml"
    path.write_text(f"unit: usd_per_1m_tokens\nmodels:\n  - model: gpt-4o\n    effective_from: {date}\n    prices:\n      input: 1\n")
    line = assert_one_line_error(run("--db", db, "report", "--by", "model", "--pricing", path), 3)
    assert f"{path}:4:21: effective_from" in line


@pytest.mark.parametrize("price", [1e300, -1e-6, 2.0])
def test_litellm_map_prices_must_be_between_0_and_1_usd_per_token(db, tmp_path, price):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"gpt-4o": {"input_cost_per_token": price, "litellm_provider": "openai"}}))
    line = assert_one_line_error(run("--db", db, "report", "--by", "model", "--pricing", path), 3)
    assert "gpt-4o.input_cost_per_token" in line and "not a price" in line


def _rules(*ranges: tuple[str | None, str | None], provider: str | None = None, other_category: bool = False) -> str:
    lines = ["unit: usd_per_1m_tokens", "models:"]
    for i, (start, end) in enumerate(ranges):
        lines.append("  - model: gpt-4o")
        if provider:
            lines.append(f"    provider: {provider}")
        if start:
            lines.append(f"    effective_from: {start}")
        if end:
            lines.append(f"    effective_to: {end}")
        category = "output" if other_category and i else "input"
        lines += ["    prices:", f"      {category}: 2"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("ranges", [
    ((None, None), ("2026-10-15", None)),
    (("2026-10-01", "2026-11-01"), ("2026-10-31", "2026-12-01")),
    ((None, "2026-10-15"), ("2026-10-01", None)),
])
def test_overlapping_effective_ranges_name_both_rules(db, tmp_path, ranges):
    path = tmp_path / "o.yaml"
    path.write_text(_rules(*ranges))
    second = path.read_text().splitlines().index("  - model: gpt-4o", 3) + 1
    line = assert_one_line_error(run("--db", db, "report", "--by", "model", "--pricing", path), 3)
    assert f"{path}:{second}:" in line and "the one at line 3" in line and "overlapping dates" in line


@pytest.mark.parametrize("text", [
    _rules(("2026-10-01", "2026-10-15"), ("2026-10-15", None)),  # ranges that meet
    _rules((None, None), (None, None), other_category=True),      # different prices
])
def test_rules_that_do_not_collide_are_accepted(db, tmp_path, text):
    path = tmp_path / "ok.yaml"
    path.write_text(text)
    done = run("--db", db, "report", "--by", "model", "--pricing", path)
    assert done.returncode == 0, done.stderr

"""FOCUS 1.2 exports, checked by the FinOps Foundation's focus-validator 2.2.1 (rule model
1.2.0.1) run as tests/focus_validator.py sets it up."""

from __future__ import annotations

import csv
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecost.cli.main import app
from tests.focus_validator import validate

REFERENCE = Path(__file__).parent / "data" / "billing" / "focus12_llm_api_synthetic.csv"


@pytest.mark.slow
def test_the_validator_reproduces_the_reference_result():
    """The harness runs the validator as the reference did: the synthetic FOCUS 1.2 file of an
    LLM API provider passes every rule but the InvoiceId contradiction (578 / 228 / 1)."""
    result = validate(REFERENCE)
    assert (result.total, result.passed, result.failed, result.skipped) == (578, 228, 1, 349), result.text[-2000:]
    assert result.failures == ["InvoiceId-C-004-C"] and result.real_failures == []


SAMPLE = Path(__file__).parent.parent / "sample_data"
GOLDEN = Path(__file__).parent / "data" / "golden" / "focus_2026-10-01.csv"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("focus") / "sample.duckdb"
    run = CliRunner().invoke(app, ["--db", str(path), "ingest", str(SAMPLE / "spendlogs_2026-10.csv")])
    assert run.exit_code == 0, run.stderr
    bills = sorted(str(p) for p in (SAMPLE / "invoices").glob("*_2026-10.*"))
    run = CliRunner().invoke(app, ["--db", str(path), "invoices", "import", *bills])
    assert run.exit_code == 0, run.stderr
    return path


def export(db, target, *args, expect=0):
    run = CliRunner().invoke(app, ["--db", str(db), "export", "focus", *args, "-o", str(target)])
    assert run.exit_code == expect, run.stderr
    return run


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        return list(csv.DictReader(path.open(newline="")))
    import polars as pl

    return [{k: ("" if v is None else str(v)) for k, v in row.items()} for row in pl.read_parquet(path).to_dicts()]


def report_totals(db) -> dict:
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--by", "provider", "--period", "2026-10", "--format", "json"])
    return json.loads(run.stdout, parse_float=Decimal)["totals"]


@pytest.mark.parametrize(("basis", "cost"), [("repriced", "repriced_cost"), ("logged", "logged_cost")])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_the_sums_agree_with_report_to_the_last_digit(db, tmp_path, basis, cost, suffix):
    target = tmp_path / f"focus{suffix}"
    run = export(db, target, "--period", "2026-10", "--basis", basis)
    assert "FOCUS 1.2 rows" in run.stderr
    rows = read_rows(target)
    totals = report_totals(db)
    assert sum(Decimal(r["BilledCost"]) for r in rows) == totals[cost]
    assert sum(Decimal(r["EffectiveCost"]) for r in rows) == totals[cost]
    assert sum(Decimal(r["ListCost"]) for r in rows) == totals["repriced_cost"]
    assert sum(int(r["x_CallCount"]) for r in rows) == totals["requests"]
    for category in ("input", "cache_read", "output"):
        assert sum(Decimal(r["ConsumedQuantity"]) for r in rows if r["x_TokenCategory"] == category) == \
            totals[f"{category}_tokens"]
    assert {r["ChargePeriodStart"][:10] for r in rows} == {f"2026-10-{d:02d}" for d in range(1, 32)}
    for row in rows:  # unit price × quantity is the cost, as FOCUS requires
        assert abs(Decimal(row["ListUnitPrice"]) * Decimal(row["PricingQuantity"]) - Decimal(row["ListCost"])) < Decimal("1e-12")


@pytest.mark.parametrize("spread", ["none", "proportional"])
def test_the_invoice_basis_adds_up_to_the_bills_and_to_report(db, tmp_path, spread):
    from tests.test_chargeback import bills

    target = tmp_path / "invoice.csv"
    export(db, target, "--period", "2026-10", "--basis", "invoice", "--spread", spread)
    rows = read_rows(target)
    run = CliRunner().invoke(app, ["--db", str(db), "report", "--by", "provider", "--period", "2026-10", "--basis",
                                   "invoice", "--spread", spread, "--format", "json"])
    invoice_total = json.loads(run.stdout, parse_float=Decimal)["totals"]["invoice_cost"]
    assert sum(Decimal(r["BilledCost"]) for r in rows) == invoice_total == sum(bills(db).values())
    # The calls' rows keep the price book's cost as ListCost; the bill's own rows list what was billed.
    assert sum(Decimal(r["ListCost"]) for r in rows if r["x_LiteLLMProvider"]) == report_totals(db)["repriced_cost"]
    by_category = {}
    for row in rows:
        by_category[row["ChargeCategory"]] = by_category.get(row["ChargeCategory"], Decimal(0)) + Decimal(row["BilledCost"])
    if spread == "none":  # Google's credits and OpenAI's web search (no quantity on the bill) are rows of their own
        assert by_category["Credit"] == sum(bills(db, "credit").values())
        assert by_category["Adjustment"] == sum(bills(db, "web_search").values())
    else:
        assert set(by_category) == {"Usage"}


def test_a_day_of_the_sample_month_is_the_golden_file(db, tmp_path):
    target = tmp_path / "day.csv"
    export(db, target, "--since", "2026-10-01", "--until", "2026-10-02")
    got = target.read_text()
    if os.environ.get("LITECOST_UPDATE_GOLDEN"):
        GOLDEN.write_text(got)
    assert got == GOLDEN.read_text(), "focus_2026-10-01.csv differs: if intended, regenerate with LITECOST_UPDATE_GOLDEN=1"


def test_tags_teams_and_keys_are_focus_key_values():
    from litecost.focus import focus_tags, publisher

    tags = focus_tags(("team:search", "feature:rerank", "feature:eval", "beta"), "Search", "search-svc", None)
    assert tags == {"beta": True, "feature": "eval,rerank", "litecost/key_alias": "search-svc", "litecost/team": "Search",
                    "team": "search"}
    assert publisher("bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", "Amazon Web Services") == "Anthropic"
    assert publisher("azure/gpt-4.1-mini", "Microsoft") == "OpenAI"
    assert publisher("acme-llm-9", "acme") == "acme"


def test_bad_requests_are_one_line_errors(db, tmp_path):
    assert "needs --period" in export(db, tmp_path / "x.csv", expect=2).stderr
    assert ".csv or .parquet" in export(db, tmp_path / "x.json", "--period", "2026-10", expect=2).stderr
    assert "--basis" in export(db, tmp_path / "x.csv", "--period", "2026-10", "--basis", "list", expect=2).stderr
    assert "--basis invoice" in export(db, tmp_path / "x.csv", "--period", "2026-10", "--spread", "proportional",
                                       expect=2).stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "args"), [
    (".csv", ()),
    (".parquet", ("--basis", "logged", "--grain", "hour")),
    (".csv", ("--basis", "invoice")),
    (".parquet", ("--basis", "invoice", "--spread", "proportional")),
])
def test_the_sample_month_export_passes_the_validator(db, tmp_path, suffix, args):
    """Every rule passes but the InvoiceId contradiction: with InvoiceId null (usage as
    logged has no invoice), it is -005 ("MUST NOT be null") that fails."""
    target = tmp_path / f"focus{suffix}"
    export(db, target, "--period", "2026-10", *args)
    result = validate(target)
    assert (result.total, result.passed, result.failed) == (578, 228, 1), result.text[-3000:]
    assert result.failures == ["InvoiceId-C-005-C"] and result.real_failures == []
